"""The command-line programs (room 6): argument parsing, and turning every mistake into one line.

    python -m gates.trace        graph/commands/trace.py (gates/trace.py is its one-line entry)

A command builds what its options ask for with the rooms below (graph.Graph, graph.walkthrough,
graph.render, graph.quiz, graph.diagram) and imports only what the chosen output needs.
"""
