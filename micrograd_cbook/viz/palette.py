"""One palette for every picture: the colours, fonts and text sizes, each defined once.

Graph boxes are filled by the kind of value (a colour-blind reader also has the border style
and the legend's words); the plots use the same blue and orange for the two classes.
"""

from __future__ import annotations

# Fill colours by kind; a colour-blind reader also has the border style and the class name.
FILL = {
    "parameter": "#fbd9a8",
    "input": "#cfe3f7",
    "constant": "#eeeeee",
    "interior": "#ffffff",
    "output": "#d3efcf",
}
KIND_NAMES = {
    "parameter": "parameter (weight, bias)",
    "input": "input",
    "constant": "constant",
    "interior": "intermediate value",
    "output": "output (the root)",
}
KIND_STYLE = {"parameter": "filled,rounded", "constant": "filled,dashed"}
INK = "#333333"  # borders and text
EDGE = "#8a8a8a"  # plain edges: lighter than the highlighted path
EDGE_TEXT = "#444444"
OP_TEXT = "#6b6b6b"  # the operation, next to a value's label
HIGHLIGHT = "#c0392b"
CURRENT_FILL = "#fff19c"
CURRENT_EDGE = "#b7950b"
EMPTY = "#9a9a9a"
PARTIAL = " +…"  # after a grad that is still a partial sum
FONT = "Helvetica"
NODE_FONTSIZE = "9"  # points: 12 px on a 96-dpi screen
EDGE_FONTSIZE = "8"  # points: 10.7 px, the smallest text in a picture
# The nudge page: a change up or down (also written + or −), none, and the cost curve's tangent
# and its gap to the curve (the chain rule's error).
INCREASE = "#2166ac"
DECREASE = "#b2182b"
UNCHANGED = "#9a9a9a"
TANGENT = "#6a3d9a"
GAP = "#e08214"
