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
FONT = "Arial"
NODE_FONTSIZE = "9"  # points: 12 px on a 96-dpi screen
EDGE_FONTSIZE = "8"  # points: 10.7 px, the smallest text in a picture
OP_FILL = "#f4f4f4"  # micrograd-style operation nodes
OP_INK = "#555555"
# The plots and the training replay: the two classes, and signed numbers in heat maps.
BLUE, ORANGE = "#3182bd", "#e6550d"  # class 0 / class 1 points, the loss curve (blue)
BLUE_BG, ORANGE_BG = "#c6dbef", "#fdd0a2"  # the regions of a decision boundary
GRID_LINE = "#e5e5e5"
AXIS = "#444444"
POINT_EDGE = "#222222"
NEGATIVE, POSITIVE = "#2166ac", "#b2182b"  # heat maps: blue below 0, red above, white at 0
NEUTRAL = "#f7f7f7"
MUTED = "#555555"  # secondary text in plots
PLOT_FONT = "Helvetica, Arial, sans-serif"
CELL_LINE = "#dddddd"  # a confusion matrix's cells
FRAME_LINE = "#bbbbbb"  # around a small image
# The nudge page: a change is a signed number, red up and blue down as in the heat maps (and
# written with its + or −); the cost curve's tangent and its gap to the curve.
INCREASE, DECREASE = POSITIVE, NEGATIVE
UNCHANGED = "#9a9a9a"
TANGENT = "#6a3d9a"
GAP = "#e08214"
