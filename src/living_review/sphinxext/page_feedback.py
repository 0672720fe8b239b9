"""Report an error, suggest new evidence or edit the page, from the end of every content page.

Each page built from a source file ends with three links:

* **Report an error** and **Suggest new evidence** open the repository's issue forms
  (``.github/ISSUE_TEMPLATE/report-error.yml`` and ``propose-evidence.yml``) with the form's
  ``page`` field filled in with the page's address, and a title naming the page, through
  GitHub's issue-form URL parameters (``?template=<file>&<field id>=<value>&title=...``);
* **Edit this page** opens the page's source file in GitHub's editor, as furo's pencil does.

The role ``{issue-form}`propose-evidence``` (or ``report-error``) puts the same link in a
page's text, e.g. on the home page's "I want to help keep this current" card.

Configuration (docs/conf.py): ``page_feedback_repository``, the repository's web address
(``REPOSITORY_URL``); without it no links are added. The sources' branch and folder come from
furo's ``source_branch`` and ``source_directory`` theme options (default ``main``, ``docs/``).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from docutils import nodes
from sphinx.util.docutils import SphinxRole

from living_review.sphinxext import add_stylesheet, extension_metadata, is_html_site

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata


@dataclass(frozen=True)
class IssueForm:
    """A GitHub issue form: its file, the id of its "page" field, its title prefix, its link."""

    template: str
    page_field: str
    title_prefix: str
    link_text: str
    css_class: str


#: The forms linked from every page, in .github/ISSUE_TEMPLATE (tests check the field ids).
FORMS = (
    IssueForm("report-error.yml", "page", "[Error]: ", "Report an error", "report-error"),
    IssueForm(
        "propose-evidence.yml", "page", "[Evidence]: ", "Suggest new evidence", "suggest-evidence"
    ),
)


def page_address(base_url: str, target_uri: str) -> str:
    """The page's published address (or its file name, without a base address)."""
    return base_url.rstrip("/") + "/" + target_uri if base_url else target_uri


def issue_form_url(repository: str, form: IssueForm, address: str, title: str) -> str:
    """The address that opens *form* with its page field and title filled in."""
    query = urlencode(
        {"template": form.template, form.page_field: address, "title": form.title_prefix + title}
    )
    return f"{repository.rstrip('/')}/issues/new?{query}"


def edit_url(repository: str, branch: str, directory: str, source: str) -> str:
    """GitHub's editor for *source* (a path relative to the sources' folder)."""
    path = f"{directory.strip('/')}/{source}".lstrip("/")
    return f"{repository.rstrip('/')}/edit/{branch}/{path}"


def feedback_html(app: Sphinx, pagename: str, title: str) -> str:
    """The links for one page, as HTML."""
    repository = app.config.page_feedback_repository
    options = app.config.html_theme_options or {}
    address = page_address(app.config.html_baseurl, app.builder.get_target_uri(pagename))
    source = Path(app.env.doc2path(pagename)).relative_to(app.srcdir).as_posix()
    links = [
        f'<a class="{form.css_class}" '
        f'href="{escape(issue_form_url(repository, form, address, title))}">{form.link_text}</a>'
        for form in FORMS
    ]
    branch = options.get("source_branch", "main")
    edit = edit_url(repository, branch, options.get("source_directory", "docs/"), source)
    links.append(f'<a class="edit-page" rel="edit" href="{escape(edit)}">Edit this page</a>')
    return (
        '<div class="page-feedback">\n<p><span class="page-feedback-lead">'
        "Something wrong, missing or out of date?</span> " + " · ".join(links) + "</p>\n</div>\n"
    )


class IssueFormRole(SphinxRole):
    """``{issue-form}`propose-evidence``` -> the form's link, this page's address filled in."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        forms = {Path(form.template).stem: form for form in FORMS}
        form = forms.get(self.text.strip())
        repository = self.config.page_feedback_repository
        if form is None:
            problem = f"unknown issue form {self.text!r} (known: {', '.join(sorted(forms))})"
        elif not repository:
            problem = "{issue-form} needs page_feedback_repository in conf.py"
        else:
            address = page_address(self.config.html_baseurl, f"{self.env.docname}.html")
            url = issue_form_url(repository, form, address, "")
            link = nodes.reference(
                self.rawtext, form.link_text, refuri=url, classes=[form.css_class]
            )
            return [link], []
        message = self.inliner.reporter.error(problem, line=self.lineno)
        return [self.inliner.problematic(self.rawtext, self.rawtext, message)], [message]


def add_feedback_links(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """End every web page that has a source with the feedback links."""
    if not app.config.page_feedback_repository or not is_html_site(app.builder):
        return
    if pagename in app.env.found_docs and "body" in context:
        title = app.env.titles[pagename].astext() if pagename in app.env.titles else pagename
        context["body"] += feedback_html(app, pagename, title)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the configuration value, the page hook and the stylesheet."""
    # "env": the {issue-form} role writes the address into the pages when they are read.
    app.add_config_value("page_feedback_repository", "", "env", types=[str])
    app.add_role("issue-form", IssueFormRole())
    app.connect("html-page-context", add_feedback_links)
    add_stylesheet(app, "page-feedback.css")
    return extension_metadata()
