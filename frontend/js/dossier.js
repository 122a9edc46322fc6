// The story dossier's kinds of item, as the server names them: each one's title, its word for
// one item, the field that names an item, and the fields the story panel edits.
export const KINDS = [
  {
    name: "characters", title: "Characters", singular: "character", label: "name",
    fields: [
      ["name", "Name", "input", 120],
      ["description", "Who they are", "textarea", 2000],
      ["relationships", "Relationships (one per line)", "lines", 500],
      ["arc", "Arc", "textarea", 2000],
    ],
  },
  { name: "themes", title: "Themes", singular: "theme", label: "text", fields: [["text", "Theme", "input", 500]] },
  {
    name: "locations", title: "Locations", singular: "location", label: "name",
    fields: [["name", "Name", "input", 120], ["description", "What it is like", "textarea", 2000]],
  },
  { name: "plot_points", title: "Plot points", singular: "plot point", label: "text", fields: [["text", "What happens", "textarea", 2000]] },
];
