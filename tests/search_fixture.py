"""The search-quality fixture: five documents of a film project and twenty questions, each
with a phrase of the passage that answers it. Recall@5 is the share of questions whose
answering passage is among the first five results (tests and bench/documents.py)."""

from dataclasses import dataclass

DOCUMENTS: dict[str, str] = {
    "treatment.md": """# The Lighthouse — treatment

## Premise
Mara, a marine biologist, returns to the island where her father kept the lighthouse. She has
inherited the tower and must decide within a week whether to sell it to a hotel developer.

## Act one
Mara arrives on the last ferry of the season. The harbour town is shuttered for winter. Old
Tomas, the ferryman, tells her the lamp has been dark since the night her father disappeared.

## Act two
Searching the keeper's logbooks, Mara finds coordinates written in her father's hand. They
lead to a shipwreck on the north reef, visible only at the lowest spring tide.

## The ending
In the final storm Mara relights the lamp by hand and guides the stranded ferry home. At dawn
she tears up the developer's contract and stays on the island as the new keeper.
""",
    "brief.md": """# Client brief

## Audience and tone
The film is for a streaming anthology aimed at adults aged 25 to 45. The tone is quiet,
melancholy and hopeful; avoid horror clichés and jump scares.

## Length and format
Running time is twelve minutes, delivered in 2.39:1 widescreen with a stereo mix and
English subtitles burned in for festival screenings.

## Budget
The production budget is forty thousand euros, including two shooting days on location and one
day in the studio for the lamp room.

## Deadline
The picture must be locked by the fifteenth of March; the festival submission closes on the
first of April.
""",
    "locations.txt": """Location scouting notes

The beach at Porth Keris has black volcanic sand and a wreck that surfaces at low tide. Access
is by a steep footpath; vehicles must park at the farm gate, a fifteen minute walk away.

The lighthouse interior will be built in the studio. The real tower at Skerry Point may be used
for exteriors only, between nine and four, with the harbour master's written permission.

The harbour town scenes can be filmed in Polwenna, whose cafe owner offered the terrace for
free if we credit the cafe in the titles.
""",
    "characters.md": """# Characters

## Mara Quell
Thirty-eight, precise, guarded. She measures plankton for a living and distrusts sentiment.
She keeps her father's brass compass in her coat pocket and never explains why.

## Tomas Bray
Seventy, the ferryman, who has crossed the sound every day for fifty years. He was the last
person to see Mara's father alive and carries the guilt of having let him row out alone.

## Ines Varga
The hotel developer, charming and impatient, who sees the lighthouse as a luxury suite with
the best view on the coast.
""",
    "schedule.fountain": """Title: The Lighthouse — shooting script

INT. LIGHTHOUSE LAMP ROOM - NIGHT

Mara strikes a match; the great lens throws her shadow across the glass.

EXT. NORTH REEF - DAWN

The wreck rises from the falling tide, barnacled ribs in pink light.

INT. FERRY CABIN - DAY

Tomas pours tea from a dented thermos and will not meet Mara's eyes.

EXT. HARBOUR TERRACE - DAY

Ines spreads architectural drawings across a cafe table, pinning them with coffee cups.
""",
}


@dataclass(frozen=True)
class Question:
    text: str
    document: str
    phrase: str  # a phrase of the passage that answers it


QUESTIONS: list[Question] = [
    Question("What does the brief say about the ending?", "treatment.md", "final storm"),
    Question("How does the film end?", "treatment.md", "final storm"),
    Question("Why did Mara come back to the island?", "treatment.md", "inherited the tower"),
    Question("Who is the ferryman?", "characters.md", "Tomas Bray"),
    Question("What is the running time?", "brief.md", "twelve minutes"),
    Question("How much is the budget?", "brief.md", "forty thousand euros"),
    Question("When is the deadline for picture lock?", "brief.md", "fifteenth of March"),
    Question("What tone should the film have?", "brief.md", "melancholy"),
    Question("find the beach in my documents", "locations.txt", "Porth Keris"),
    Question("Where do we park for the beach?", "locations.txt", "farm gate"),
    Question("Can we film inside the real lighthouse?", "locations.txt", "exteriors only"),
    Question("Which cafe lets us use its terrace?", "locations.txt", "Polwenna"),
    Question("What does Mara keep in her pocket?", "characters.md", "brass compass"),
    Question("Who wants to buy the lighthouse?", "characters.md", "hotel developer, charming"),
    Question("What did Mara find in the logbooks?", "treatment.md", "coordinates"),
    Question("Where is the shipwreck?", "treatment.md", "north reef"),
    Question("What aspect ratio is the delivery?", "brief.md", "2.39:1"),
    Question("Tomas pours tea in the ferry cabin", "schedule.fountain", "dented thermos"),
    Question("Ines and the architectural drawings", "schedule.fountain", "architectural"),
    Question("Who saw Mara's father last?", "characters.md", "last\nperson to see"),
]


def recall_at(hits: list[list[str]], k: int = 5) -> float:
    """`hits[i]`: the passages' texts found for QUESTIONS[i], best first."""
    found = sum(
        any(question.phrase in passage for passage in passages[:k])
        for question, passages in zip(QUESTIONS, hits, strict=True)
    )
    return found / len(QUESTIONS)
