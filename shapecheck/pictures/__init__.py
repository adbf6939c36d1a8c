"""Pictures of shapes: the failing operation, its fixes and the network, as inline SVG in one HTML page.

    svg          SVG elements written as strings (nothing to install)
    boxes        an array drawn by its shape: box, bar (rank 1), dot (scalar); sizes to pixels (Scale)
    agreement    which axes of a failing operation's operands must agree, and which conflict
    known_shapes the shapes of a fix's parts, worked out from what the run recorded
    failure      the failing operation and each fix, drawn
    strip        drawings in order, wrapped into rows (the network)
    plan_view    ``shapecheck plan``'s quantities drawn; PicturedPlan for Jupyter
    trace_view   a trace report drawn: its failure, then its recorded operations in the order they ran
    page         the self-contained HTML page and the notebook fragment, light and dark
"""
