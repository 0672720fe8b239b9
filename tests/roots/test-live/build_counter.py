"""Counts the builds run in this process and writes the count on the home page.

A live rebuild that reused a process (and so its extensions' state) would show 2 or more.
"""

from docutils import nodes

builds_in_this_process = 0


def count_build(app):
    global builds_in_this_process
    builds_in_this_process += 1


def show_count(app, doctree, docname):
    if docname == "index":
        paragraph = nodes.paragraph(text=f"Builds in this process: {builds_in_this_process}.")
        doctree.append(paragraph)


def setup(app):
    app.connect("builder-inited", count_build)
    app.connect("doctree-resolved", show_count)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
