"""The phrasing corpus: how people ask to arrange a board, and the tool calls each must give.

Against phrasing_harness's seven scenes — 1 “Cold Open”, 2 “Beach”, 3 “Pier at Dusk” (what
"it" means: the last exchange touched it), 4 “Interview”, 5 “Market”, 6 “Night Drive”,
7 “Credits”; scenes 1 and 5 have images, 2, 4 and 6 have no script. A new phrasing is one row.
"""

from typing import Any

from tests.assistant.conftest import PROJECT_ID
from tests.assistant.phrasing_harness import Call, Expect

TITLES = {
    "Cold Open": 1, "Beach": 2, "Pier at Dusk": 3, "Interview": 4, "Market": 5,
    "Night Drive": 6, "Credits": 7,
}  # fmt: skip
LAST = 7


def sid(number: int) -> str:
    return f"s{number}"


def move(number: int, order: int) -> Call:
    return ("move_scene", {"scene_id": sid(number), "order": order})


def to_position(number: int, position: int) -> Expect:
    return Expect([move(number, min(position, LAST) - 1)])


def after(number: int, anchor: int) -> Expect:
    index, anchor_index = number - 1, anchor - 1
    return Expect([move(number, anchor_index - (anchor_index > index) + 1)])


def before(number: int, anchor: int) -> Expect:
    index, anchor_index = number - 1, anchor - 1
    return Expect([move(number, anchor_index - (anchor_index > index))])


def swap(first: int, second: int) -> Expect:
    low, high = sorted((first, second))
    return Expect([move(low, high - 1), move(high, low - 1)])


def delete(*numbers: int) -> Expect:
    return Expect([("delete_scene", {"scene_id": sid(n)}) for n in numbers])


def title(number: int, new: str) -> Call:
    return ("update_scene_title", {"scene_id": sid(number), "title": new})


def script(number: int, text: str) -> Call:
    return ("update_scene_script", {"scene_id": sid(number), "script_content": text})


def image(number: int, url: str) -> Call:
    return ("update_scene_image_url", {"scene_id": sid(number), "image_url": url})


def fields(number: int, **values: Any) -> Call:
    return ("update_scene", {"scene_id": sid(number), **values})


def create(new: str, **options: Any) -> Call:
    return ("create_scene", {"project_id": PROJECT_ID, "title": new, **options})


def project(**values: Any) -> Call:
    return ("update_project", {"project_id": PROJECT_ID, **values})


def add_item(kind: str, **values: Any) -> Call:
    return ("add_dossier_item", {"project_id": PROJECT_ID, "kind": kind, **values})


def relate(item_id: str, *relationships: str) -> Call:
    values = {"item_id": item_id, "relationships": list(relationships)}
    return ("update_dossier_item", {"project_id": PROJECT_ID, "kind": "characters", **values})


def remove_item(kind: str, item_id: str) -> Call:
    return ("remove_dossier_item", {"project_id": PROJECT_ID, "kind": kind, "item_id": item_id})


def calls(*made: Call) -> Expect:
    return Expect(list(made))


def says(*texts: str) -> Expect:
    return Expect([], texts)


SCENE_TEXT = {
    1: "A match strikes in the dark.", 2: "(no script yet)", 3: "Gulls wheel over the pier.",
    4: "(no script yet)", 5: "Stalls open at dawn.", 6: "(no script yet)", 7: "Roll names.",
}  # fmt: skip
CREATIVE = Expect([], (), creative=True)
HELP = Expect([], (), helps=True)

# How people name a scene, and which scene each names.
REFERENCES = [
    ("scene 2", 2), ("scene two", 2), ("the second scene", 2), ("the 2nd scene", 2),
    ("the second one", 2), ("the beach scene", 2), ("the scene called Beach", 2),
    ("“Beach”", 2), ("the Beach", 2), ("shot 2", 2), ("the first scene", 1),
    ("the first one", 1), ("the cold open", 1), ("the last scene", 7), ("the last one", 7),
    ("the final scene", 7), ("the credits", 7), ("the penultimate scene", 6),
    ("the second to last scene", 6), ("the night drive", 6), ("it", 3), ("this one", 3),
    ("the previous one", 2), ("scene 5", 5), ("the market scene", 5),
    ("the scene titled Interview", 4), ("scene #4", 4), ("the fourth shot", 4),
]  # fmt: skip

CORPUS: list[tuple[str, Expect]] = [
    # --- deleting, one scene named in every way ---
    *[(f"delete {said}", delete(n)) for said, n in REFERENCES],
    *[(f"remove {said} please", delete(n)) for said, n in REFERENCES[::3]],
    ("get rid of the pier scene", delete(3)),
    ("Kill the interview.", delete(4)),
    ("scrap the market", delete(5)),
    ("can you drop scene 6?", delete(6)),
    ("ditch the last shot", delete(7)),
    ("take out scene 1", delete(1)),
    ("please delete the scene called night drive", delete(6)),
    # --- the same references for other commands ---
    *[(f"rename {said} to Blue Hour", calls(title(n, "Blue Hour"))) for said, n in REFERENCES],
    *[
        (f"set the script of {said} to Quiet waves.", calls(script(n, "Quiet waves.")))
        for said, n in REFERENCES[1::2]
    ],
    *[
        (f"make {said} a close-up", calls(fields(n, shot_size="close_up")))
        for said, n in REFERENCES[::4]
    ],
    *[(f"what's in {said}?", says(SCENE_TEXT[n])) for said, n in REFERENCES[2::4]],
    # --- deleting several ---
    ("delete scenes 6 and 7", delete(6, 7)),
    ("delete scenes 2 to 4", delete(2, 3, 4)),
    ("remove scenes 2-4", delete(2, 3, 4)),
    ("cut scenes 3 through 5", delete(3, 4, 5)),
    ("delete scenes 1, 3 and 5", delete(1, 3, 5)),
    ("remove the last two scenes", delete(6, 7)),
    ("delete the last 3 shots", delete(5, 6, 7)),
    ("drop the first two", delete(1, 2)),
    ("delete the first three scenes", delete(1, 2, 3)),
    ("delete scene 2 and scene 4", delete(2, 4)),
    ("remove the beach and the market", delete(2, 5)),
    ("delete both the interview and the credits", delete(4, 7)),
    ("get rid of scenes 5 & 6", delete(5, 6)),
    ("delete scenes two and three", delete(2, 3)),
    ("delete the first and last scenes", delete(1, 7)),
    ("remove scenes from 2 to 3", delete(2, 3)),
    # --- swapping ---
    ("swap the second and third scenes", swap(2, 3)),
    ("swap scenes 1 and 2", swap(1, 2)),
    ("swap scene 2 with scene 5", swap(2, 5)),
    ("switch the beach and the interview", swap(2, 4)),
    ("flip the market and the night drive", swap(5, 6)),
    ("swap the first and last scenes", swap(1, 7)),
    ("exchange scenes 3 and 6", swap(3, 6)),
    ("swap “Beach” and “Credits”", swap(2, 7)),
    ("switch round scene 4 and scene 1", swap(1, 4)),
    ("swap the order of the beach and the pier", swap(2, 3)),
    ("could you swap scenes 6 and 2 around?", swap(2, 6)),
    ("swap the positions of scene 1 and scene 3", swap(1, 3)),
    ("swap it with the market", swap(3, 5)),
    # --- moving ---
    ("move scene 7 to the start", to_position(7, 1)),
    ("move the credits to the top", to_position(7, 1)),
    ("put the beach at the end", to_position(2, 7)),
    ("move scene 2 to position 4", to_position(2, 4)),
    ("move the interview to slot 2", to_position(4, 2)),
    ("move the market to the second position", to_position(5, 2)),
    ("put scene 1 third", to_position(1, 3)),
    ("move it to the end", to_position(3, 7)),
    ("move it to the beginning", to_position(3, 1)),
    ("bump scene 6 up to the top", to_position(6, 1)),
    ("move the last one to the front", to_position(7, 1)),
    ("move the first scene to the very end", to_position(1, 7)),
    ("move scene 2 after scene 5", after(2, 5)),
    ("put the credits after the cold open", after(7, 1)),
    ("move the market before the interview", before(5, 4)),
    ("move scene 6 ahead of scene 2", before(6, 2)),
    ("put the night drive right after the beach", after(6, 2)),
    ("move the interview behind the market", after(4, 5)),
    ("move scene 1 just before the credits", before(1, 7)),
    ("put it after the night drive", after(3, 6)),
    ("move the beach before it", before(2, 3)),
    ("move scene 4 in front of scene 1", before(4, 1)),
    ("move “Market” after “Credits”", after(5, 7)),
    ("move the scene called Beach to position 6", to_position(2, 6)),
    ("shift scene 3 to the end", to_position(3, 7)),
    ("move scene 5 to 1", to_position(5, 1)),
    # --- renaming scenes, titles echoed as written ---
    ("rename scene 2 to Golden Hour", calls(title(2, "Golden Hour"))),
    ("rename the beach to Golden Hour", calls(title(2, "Golden Hour"))),
    ("rename the cold open to Match Cut", calls(title(1, "Match Cut"))),
    ("retitle the last scene as End Titles", calls(title(7, "End Titles"))),
    (
        "change the title of the interview to Mrs. Alvarez Talks",
        calls(title(4, "Mrs. Alvarez Talks")),
    ),
    ("rename it to Harbour Lights", calls(title(3, "Harbour Lights"))),
    ("change its title to Harbour Lights", calls(title(3, "Harbour Lights"))),
    ("call scene 6 Neon Rain", calls(title(6, "Neon Rain"))),
    ("rename “Market” to “Fish Market”", calls(title(5, "Fish Market"))),
    ("rename the scene called Market to the FISH market", calls(title(5, "the FISH market"))),
    ("change the name of the second scene to Low Tide", calls(title(2, "Low Tide"))),
    ("rename the penultimate scene to Tail Lights", calls(title(6, "Tail Lights"))),
    ("rename scene four to iPhone Interview", calls(title(4, "iPhone Interview"))),
    ("set scene 5's title to Dawn Stalls", calls(title(5, "Dawn Stalls"))),
    # --- scripts ---
    (
        "set the script of scene 2 to The sun melts into the sea.",
        calls(script(2, "The sun melts into the sea.")),
    ),
    ("set the script of the beach to Waves roll in.", calls(script(2, "Waves roll in."))),
    (
        "write the script for the interview: She talks about the storm.",
        calls(script(4, "She talks about the storm.")),
    ),
    (
        "update the script for it with “Lanterns flicker on.”",
        calls(script(3, "Lanterns flicker on.")),
    ),
    (
        "change scene 6's script to: Headlights smear across wet asphalt.",
        calls(script(6, "Headlights smear across wet asphalt.")),
    ),
    ("scene 4 script: Close on her hands.", calls(script(4, "Close on her hands."))),
    (
        "give the night drive a script: Rain on the windscreen.",
        calls(script(6, "Rain on the windscreen.")),
    ),
    ("set its script to The pier empties.", calls(script(3, "The pier empties."))),
    ("replace the script of the last scene with Fade out.", calls(script(7, "Fade out."))),
    ("the market's script: Vendors shout prices.", calls(script(5, "Vendors shout prices."))),
    # --- images ---
    (
        "set the image of scene 4 to https://cdn.example.com/interview.jpg",
        calls(image(4, "https://cdn.example.com/interview.jpg")),
    ),
    (
        "use https://example.com/pier.png as the image for it",
        calls(image(3, "https://example.com/pier.png")),
    ),
    (
        "change the picture for the beach to https://example.com/b.jpg",
        calls(image(2, "https://example.com/b.jpg")),
    ),
    (
        "set the last scene's image to https://example.com/end.webp",
        calls(image(7, "https://example.com/end.webp")),
    ),
    # --- storyboard fields ---
    ("make scene 4 a close-up", calls(fields(4, shot_size="close_up"))),
    ("make the interview a close-up", calls(fields(4, shot_size="close_up"))),
    ("scene 4 should be a close-up", calls(fields(4, shot_size="close_up"))),
    ("make it a wide shot", calls(fields(3, shot_size="wide"))),
    ("use a wide shot on the beach", calls(fields(2, shot_size="wide"))),
    ("turn the market into an extreme wide", calls(fields(5, shot_size="extreme_wide"))),
    ("the beach is 6 seconds", calls(fields(2, duration_seconds=6))),
    ("make the beach scene 6 seconds long", calls(fields(2, duration_seconds=6))),
    ("give it 8 seconds", calls(fields(3, duration_seconds=8))),
    ("scene 7 lasts 12 seconds", calls(fields(7, duration_seconds=12))),
    ("set the duration of the interview to 20 seconds", calls(fields(4, duration_seconds=20))),
    ("handheld camera on the night drive", calls(fields(6, camera_movement="handheld"))),
    ("set the camera of scene 5 to a slow pan", calls(fields(5, camera_movement="pan"))),
    ("make it a slow push-in", calls(fields(3, camera_movement="dolly"))),
    ("use a drone shot for the cold open", calls(fields(1, camera_movement="drone"))),
    ("add music to the credits: slow piano.", calls(fields(7, audio="Music: slow piano."))),
    (
        "add voice-over to it: The town sleeps.",
        calls(fields(3, audio="Voice-over: The town sleeps.")),
    ),
    # --- the project ---
    ("rename the project to Summer Trip", calls(project(title="Summer Trip"))),
    ("rename the film to Low Tide", calls(project(title="Low Tide"))),
    ("call the project Salt and Light", calls(project(title="Salt and Light"))),
    ("call this project iPhone DIARIES", calls(project(title="iPhone DIARIES"))),
    ("change the project name to Harbour", calls(project(title="Harbour"))),
    (
        "set the description to A quiet film about a coastal town.",
        calls(project(description="A quiet film about a coastal town.")),
    ),
    ("make it vertical", calls(project(aspect_ratio="9:16"))),
    ("let's go vertical", calls(project(aspect_ratio="9:16"))),
    ("switch the film to square", calls(project(aspect_ratio="1:1"))),
    ("make the storyboard widescreen", calls(project(aspect_ratio="16:9"))),
    # --- creating ---
    ("add a scene called Rooftop Chase", calls(create("Rooftop Chase"))),
    ("add a new scene called Rooftop Chase at the end", calls(create("Rooftop Chase"))),
    ("add a scene called Sunrise at the very beginning", calls(create("Sunrise", order=0))),
    (
        "add a scene called Lighthouse between scene 3 and scene 4",
        calls(create("Lighthouse", order=3)),
    ),
    ("add a scene called Lighthouse after scene 3", calls(create("Lighthouse", order=3))),
    ("create a shot called Insert Hands", calls(create("Insert Hands"))),
    ("add three blank scenes", calls(*[create("New scene")] * 3)),
    ("add scenes Dawn, Noon and Dusk", calls(create("Dawn"), create("Noon"), create("Dusk"))),
    (
        "add a scene called Ferry with script: The ferry horn sounds.",
        calls(create("Ferry", script="The ferry horn sounds.")),
    ),
    # --- questions ---
    ("how many scenes do I have?", says("7 scenes")),
    ("how many scenes have we got", says("7 scenes")),
    ("how many shots are there?", says("7 scenes")),
    ("what's the number of scenes?", says("7 scenes")),
    ("what's in scene 5?", says("Stalls open at dawn.")),
    ("what is in the cold open?", says("A match strikes in the dark.")),
    ("what's in it?", says("Gulls wheel over the pier.")),
    ("what happens in the last scene?", says("Roll names.")),
    ("show me scene 3", says("Gulls wheel over the pier.")),
    ("tell me about the market", says("Stalls open at dawn.")),
    ("read me the script for the credits", says("Roll names.")),
    ("what's scene 3 called?", says("Pier at Dusk")),
    ("what is the second scene called?", says("Beach")),
    ("what does scene 1 say?", says("A match strikes")),
    ("describe scene 4", says("Interview", "no script yet")),
    (
        "which scenes have no script?",
        says("3 of the 7 scenes have no script", "Beach", "Interview", "Night Drive"),
    ),
    ("which scenes still need a script?", says("Beach", "Interview", "Night Drive")),
    ("which scenes are missing a script?", says("Beach", "Night Drive")),
    ("how many scenes don't have a script yet?", says("3 of the 7")),
    ("which scenes have no image?", says("5 of the 7", "Beach", "Credits")),
    ("are there any scenes without a picture?", says("Pier at Dusk", "Credits")),
    ("which shots have images?", says("2 of the 7", "Cold Open", "Market")),
    ("which scenes have a script?", says("4 of the 7", "Cold Open", "Credits")),
    ("list the scenes without a script", says("Beach", "Interview")),
    ("which scenes have no duration?", says("7 of the 7")),
    ("show the project", says("7 scenes:")),
    ("list every scene", says("7 scenes:")),
    ("give me a rundown of the board", says("7 scenes:")),
    ("walk me through the scenes", says("7 scenes:")),
    ("how long is the film?", says("The film runs")),
    ("how long does the cut run right now?", says("The film runs")),
    ("what's the total runtime?", says("The film runs")),
    # --- several commands in one message: every part done, or reported ---
    (
        "rename scene 2 to Golden Hour and set its script to The sun melts into the sea.",
        calls(title(2, "Golden Hour"), script(2, "The sun melts into the sea.")),
    ),
    (
        "rename the beach to Golden Hour, then move it to the end",
        Expect([title(2, "Golden Hour"), move(2, 6)]),
    ),
    (
        "delete scene 7 and rename scene 1 to Opening Titles",
        Expect([*delete(7).calls, title(1, "Opening Titles")]),
    ),
    (
        "remove the last scene and rename the first one to Opening",
        Expect([*delete(7).calls, title(1, "Opening")]),
    ),
    (
        "make scene 5 a wide shot and give it 8 seconds",
        calls(fields(5, shot_size="wide"), fields(5, duration_seconds=8)),
    ),
    ("swap scenes 1 and 2, then delete scene 7", Expect([*swap(1, 2).calls, *delete(7).calls])),
    (
        "add a scene called Ferry and delete the interview",
        Expect([create("Ferry"), *delete(4).calls]),
    ),
    (
        "move the market to the top. Rename it to Dawn Market.",
        Expect([move(5, 0), title(5, "Dawn Market")]),
    ),
    ("delete the beach, and how many scenes are left?", Expect(delete(2).calls, ("7 scenes",))),
    (
        "rename scene 6 to Neon Rain and make the intro punchier",
        Expect([title(6, "Neon Rain")], ("connected language model",)),
    ),
    ("delete scene 2 and frobnicate the pier", Expect(delete(2).calls, ("“frobnicate the pier”",))),
    (
        "rename the project to Low Tide and make it vertical",
        calls(project(title="Low Tide"), project(aspect_ratio="9:16")),
    ),
    (
        "delete scenes 6 and 7 and swap the first two",
        Expect([*delete(6, 7).calls, *swap(1, 2).calls]),
    ),
    # --- creative requests: honest, never the help text ---
    ("make the intro punchier", CREATIVE),
    ("write a script about a sunrise", CREATIVE),
    ("write a script about a sunrise for scene 2", CREATIVE),
    ("suggest a better title for the beach scene", CREATIVE),
    ("tighten up the dialogue in the interview", CREATIVE),
    ("brainstorm some shot ideas for the market", CREATIVE),
    ("punch up the voice-over in the credits", CREATIVE),
    ("rewrite scene 4 so it's funnier", CREATIVE),
    ("make the ending more emotional", CREATIVE),
    ("improve the script of the night drive", CREATIVE),
    ("come up with a title for the film", CREATIVE),
    ("give me some ideas for the cold open", CREATIVE),
    ("can you draft a voice-over for the pier?", CREATIVE),
    ("any ideas for a better opening?", CREATIVE),
    ("what should we put in the interview?", CREATIVE),
    ("polish the market scene", CREATIVE),
    ("make it darker", CREATIVE),
    ("write me something moody for the night drive", CREATIVE),
    # --- asking about a scene that is not there: a question, no change ---
    ("delete scene 9", says("I couldn't find scene 9: the project has 7 scenes")),
    ("rename the lighthouse to Beam", says("I couldn't find a scene called “lighthouse”")),
    ("delete scenes 7 and 8", Expect(delete(7).calls, ("I couldn't find scene 8",))),
    ("Okay, kill the beach.", delete(2)),
    ("lose the last scene", delete(7)),
    ("nix scenes 4 and 5", delete(4, 5)),
    ("put the interview first", to_position(4, 1)),
    ("move the night drive up to second", to_position(6, 2)),
    ("swap 'Interview' and 'Market'", swap(4, 5)),
    ("switch the last two scenes", swap(6, 7)),
    ("which clips don't have a script?", says("Beach", "Interview")),
    ("is there any scene without an image?", says("Beach")),
    ("write a voice-over for the credits", CREATIVE),
    ("generate a shot list for the market", CREATIVE),
    # --- what no tool does: said so, never the help text ---
    ("duplicate the market scene", says("but I can't do that")),
    ("undo that", says("“undo that”, but I can't do that")),
    ("export the storyboard as a PDF", says("but I can't do that")),
    # --- said the other way round ---
    ("the beach needs to go last", to_position(2, 7)),
    ("the interview works better right after the cold open", after(4, 1)),
    ("scene 3 needs a tracking shot", calls(fields(3, camera_movement="tracking"))),
    ("the whole thing should be square", calls(project(aspect_ratio="1:1"))),
    ("move scene 1 down one", Expect([move(1, 1)])),
    ("open on the market", to_position(5, 1)),
    # --- the story dossier (Mara and Leo, Revenge, Porto, "Leo loses the boat"), as written ---
    (
        "we need a character called Jo, a young ferry pilot",
        Expect(
            [add_item("characters", name="Jo", description="a young ferry pilot")],
            ("Added the character “Jo” to the story dossier: a young ferry pilot",),
        ),
    ),
    (
        "add a character Mara, a retired detective who distrusts everyone",
        Expect(
            [
                add_item(
                    "characters",
                    name="Mara",
                    description="a retired detective who distrusts everyone",
                )
            ],
            ("Added the character “Mara” to the story dossier: a retired detective",),
        ),
    ),
    (
        "new character: Ana, a nurse",
        calls(add_item("characters", name="Ana", description="a nurse")),
    ),
    (
        "introduce a character named Old Tom (a ferryman)",
        calls(add_item("characters", name="Old Tom", description="a ferryman")),
    ),
    (
        "add the characters Ana and Tom",
        calls(add_item("characters", name="Ana"), add_item("characters", name="Tom")),
    ),
    (
        "Mara is Leo's sister",
        Expect([relate("c-mara", "Tom's old partner", "Leo's sister")], ("Mara is Leo's sister",)),
    ),
    (
        "mara is the sister of leo",
        Expect([relate("c-mara", "Tom's old partner", "Leo's sister")], ("Mara is Leo's sister",)),
    ),
    (
        "make Leo Mara's younger brother",
        calls(relate("c-leo", "Mara's neighbour", "Mara's younger brother")),
    ),
    ("Leo is Mara's neighbour", says("already says Leo is Mara's neighbour")),
    (
        "Ana is Leo's daughter",
        says("couldn't find a character called “Ana”", "Mara, Leo", "changed nothing"),
    ),
    (
        "add the theme redemption",
        Expect([add_item("themes", text="redemption")], ("Added the theme “redemption”",)),
    ),
    ("add a theme of loss", calls(add_item("themes", text="loss"))),
    (
        "add the themes grief and forgiveness",
        calls(add_item("themes", text="grief"), add_item("themes", text="forgiveness")),
    ),
    ("add Trust as a theme", calls(add_item("themes", text="Trust"))),
    (
        "the story takes place in Lisbon",
        Expect([add_item("locations", name="Lisbon")], ("Added the location “Lisbon”",)),
    ),
    (
        "the film is set in a small fishing village",
        calls(add_item("locations", name="a small fishing village")),
    ),
    ("add Lisbon as a location", calls(add_item("locations", name="Lisbon"))),
    (
        "add a location: the lighthouse, an abandoned tower",
        calls(add_item("locations", name="the lighthouse", description="an abandoned tower")),
    ),
    (
        "add a plot point: Mara finds the letter",
        Expect(
            [add_item("plot_points", text="Mara finds the letter")],
            ("Added the plot point “Mara finds the letter”",),
        ),
    ),
    (
        "new plot beat - the storm hits the harbour",
        calls(add_item("plot_points", text="the storm hits the harbour")),
    ),
    (
        "what characters do we have?",
        says(
            "2 characters", "- Mara: a retired detective (Tom's old partner)", "- Leo: a fisherman"
        ),
    ),
    ("who are the characters?", says("Mara", "Leo")),
    ("who's in the story?", says("Mara", "Leo")),
    ("list the themes", says("1 theme", "- Revenge")),
    ("what are the locations?", says("- Porto: rain and trams")),
    ("where does the story take place?", says("Porto")),
    ("show me the plot points", says("- Leo loses the boat")),
    (
        "what's in the dossier?",
        says("Characters:", "Themes:\n- Revenge", "Locations:", "Plot points:"),
    ),
    (
        "remove the theme revenge",
        Expect(
            [remove_item("themes", "t-revenge")],
            ("Removed the theme “Revenge” from the story dossier",),
        ),
    ),
    ("delete the character Leo", calls(remove_item("characters", "c-leo"))),
    ("remove Leo from the characters", calls(remove_item("characters", "c-leo"))),
    ("get rid of the location Porto", calls(remove_item("locations", "l-porto"))),
    ("drop Porto from the dossier", calls(remove_item("locations", "l-porto"))),
    (
        "remove the theme jealousy",
        says("no theme “jealousy” (its themes are Revenge), so I removed nothing"),
    ),
    ("remove the revenge theme", calls(remove_item("themes", "t-revenge"))),
    (
        "add Ana and Tom to the cast",
        calls(add_item("characters", name="Ana"), add_item("characters", name="Tom")),
    ),
    ("list the cast", says("- Mara", "- Leo")),
    # --- what names a dossier word but is the board's ---
    ("add a scene called Mara", calls(create("Mara"))),
    ("add a scene called The Characters", calls(create("The Characters"))),
    ("rename scene 2 to Lisbon", calls(title(2, "Lisbon"))),
    ("rename the beach to Porto", calls(title(2, "Porto"))),
    ("delete the location scout scene", says("I couldn't find a scene called “location scout”")),
    # --- not commands ---
    ("how do I add a scene?", HELP),
    ("don't delete scene 2", HELP),
    ("hello", HELP),
    ("thanks!", HELP),
]
