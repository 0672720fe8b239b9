"""The safety net on the pages, from ``safety-net.yaml`` (:mod:`living_review.safety_net`).

- ``{safety-net}`` (a directive, no content): the warning-sign box, the same wherever it
  appears. ``:tiers: after-treatment`` shows other tiers (the default is emergency, same-day and
  see-a-clinician). Each tier sits in ``<div id="safety-net-<tier>">``.
- ``{safety-net}`tier``` (a role): the tier's action, "see a doctor the same day", linked to the
  tier in the box on the same page, or in the box on ``safety_net_page`` if this page has none.
  A sentence that tells readers when to get help takes its urgency words from here, so it cannot
  give a sign the wrong urgency.
- ``{safety-net-signs}`tier```: the tier's signs in a few words each, as a list in a sentence
  (the glossary's ``red flags``).
- ``{what-to-do-now}`` (a directive): the guide by how long symptoms have lasted (``stages``).

Every page that uses one of them is read again when ``safety-net.yaml`` changes (a Sphinx
dependency). Problems in the file are build errors at its line; so is a key it cites that
references.bib lacks, and an unknown tier.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

from living_review.safety_net import (
    AFTER_TREATMENT,
    BOX_TIERS,
    FILENAME,
    TIERS,
    SafetyNet,
    Sentence,
    Tier,
    check_cites,
    load_safety_net,
)
from living_review.sphinxext import extension_metadata, log_problem, read_project_file

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

NET_ATTRIBUTE = "living_review_safety_net"
BOX_CLASSES = ["danger", "urgent-care", "safety-net"]


class safety_net_ref(nodes.inline):  # lower-case, like docutils nodes
    """The action of a tier in a sentence; made a link once the page's boxes are known."""


def net_of(env: BuildEnvironment) -> SafetyNet:
    net: SafetyNet | None = getattr(env, NET_ATTRIBUTE, None)
    return net if net is not None else SafetyNet(Path(FILENAME))


def read_net(app: Sphinx) -> None:
    """Read safety-net.yaml at the start of every build and report its problems."""
    path = Path(app.confdir, app.config.safety_net_file)
    read_project_file(app, path, load_safety_net, SafetyNet, NET_ATTRIBUTE)


def check_net_cites(app: Sphinx, env: BuildEnvironment) -> None:
    net = net_of(env)
    if net.usable:
        domain: Any = env.get_domain("cite")
        for problem in check_cites(net, set(domain.bibdata.data.entries)):
            log_problem(problem)


def _known_keys(env: BuildEnvironment, keys: tuple[str, ...]) -> list[str]:
    domain: Any = env.get_domain("cite")
    return [key for key in keys if key in domain.bibdata.data.entries]  # else: at the yaml line


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class _NetMixin:
    env: BuildEnvironment
    state: Any
    content_offset: int

    def net(self) -> SafetyNet | None:
        """The safety net, noting the dependency; None if it is unusable (already reported)."""
        net = net_of(self.env)
        self.env.note_dependency(str(net.path))
        return net if net.usable else None

    def cite(self, keys: tuple[str, ...]) -> str:
        known = _known_keys(self.env, keys)
        return f" {{cite:p}}`{','.join(known)}`" if known else ""

    def sentence(self, sentence: Sentence) -> str:
        """The sentence with its citation before its closing full stop, as on the pages."""
        text = sentence.text
        end = text[-1] if text[-1] in ".:;!?" else ""
        return text.removesuffix(end) + self.cite(sentence.cite) + end

    def parse_into(self, node: nodes.Element, lines: list[str]) -> None:
        source, line = self.get_source_info()
        self.state.nested_parse(
            StringList(lines, source=source, items=[(source, line)] * len(lines)),
            self.content_offset,
            node,
        )


class SafetyNetBox(_NetMixin, SphinxDirective):
    """``{safety-net}``: the warning-sign box."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {"tiers": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        net = self.net()
        if net is None:
            return []
        wanted = self.options.get("tiers", " ".join(BOX_TIERS)).split()
        unknown = [name for name in wanted if name not in TIERS]
        if unknown or not wanted:
            logger.error(
                "safety-net-tier: unknown tier %s; the tiers are %s",
                ", ".join(unknown) or "(none given)", ", ".join(TIERS),
                location=self.get_location(),
            )  # fmt: skip
            return []
        box = nodes.admonition(classes=list(BOX_CLASSES))
        title = net.title if wanted != [AFTER_TREATMENT] else "After acupuncture: when to get help"
        box += nodes.title(text=title)
        if wanted != [AFTER_TREATMENT]:
            self.parse_into(box, [self.sentence(net.intro)] if net.intro else [])
        for tier_id in wanted:
            tier = net.tier(tier_id)
            assert tier is not None  # net.usable: every tier is there
            part = nodes.container(ids=[f"safety-net-{tier.id}"], classes=["safety-net-tier"])
            self.parse_into(part, self.tier_lines(net, tier))
            box += part
        self.set_source_info(box)
        return [box]

    def tier_lines(self, net: SafetyNet, tier: Tier) -> list[str]:
        if tier.id == AFTER_TREATMENT:
            lines = [f"Get help {tier.when}:", ""]
            for sign in tier.signs:
                acting = net.tier(sign.act)
                action = _capitalised(acting.action) if acting else ""
                lines.append(f"- **{action}** for {sign.text}{self.cite(sign.cite)};")
        else:
            lead = f"**{_capitalised(tier.action)}** {tier.when}{self.cite(tier.when_cite)}:"
            lines = [lead, ""]
            lines += [f"- {sign.text}{self.cite(sign.cite)};" for sign in tier.signs]
        lines[-1] = lines[-1].removesuffix(";") + "."
        if tier.after:
            lines += ["", *(self.sentence(sentence) for sentence in tier.after)]
        return lines


class WhatToDoNow(_NetMixin, SphinxDirective):
    """``{what-to-do-now}``: what to do, by how long symptoms have lasted."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        net = self.net()
        if net is None:
            return []
        guide = nodes.container(classes=["what-to-do-now"])
        for stage in net.stages:
            part = nodes.container(ids=[f"what-to-do-now-{stage.id}"], classes=["what-to-do-stage"])
            lines = [f"**{stage.when}.**", *(self.sentence(s) for s in stage.sentences)]
            self.parse_into(part, [" ".join(lines)])
            guide += part
        self.set_source_info(guide)
        return [guide]


class _NetRole(_NetMixin, SphinxRole):
    def tier(self, allowed: tuple[str, ...]) -> Tier | None:
        """The role's tier; None if the net is unusable (already reported) or the tier unknown."""
        net = self.net()
        tier_id = self.text.strip()
        if net is None or tier_id in allowed:
            return net.tier(tier_id) if net is not None else None
        logger.error(
            "safety-net-tier: {%s}`%s`: unknown tier; use one of %s",
            self.name, tier_id, ", ".join(allowed), location=self.get_location(),
        )  # fmt: skip
        return None


class SafetyNetRole(_NetRole):
    """``{safety-net}`tier```: the tier's action, linked to the tier in a box."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        tier = self.tier(BOX_TIERS)
        if tier is None:
            return [nodes.problematic(self.rawtext, self.rawtext)], []
        ref = safety_net_ref("", tier.action, tier=tier.id, classes=["safety-net-action"])
        self.set_source_info(ref)
        return [ref], []


class SafetyNetSignsRole(_NetRole):
    """``{safety-net-signs}`tier```: the tier's signs in a few words each."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        tier = self.tier(TIERS)
        if tier is None:
            return [nodes.problematic(self.rawtext, self.rawtext)], []
        shorts = [sign.short for sign in tier.signs]
        comma = "; " if any("," in short for short in shorts) else ", "
        text = shorts[0] if len(shorts) == 1 else f"{comma.join(shorts[:-1])}{comma}or {shorts[-1]}"
        keys = list(dict.fromkeys(key for sign in tier.signs for key in sign.cite))
        known = ",".join(_known_keys(self.env, tuple(keys)))
        if not known:
            return [nodes.Text(text)], []
        role = self.env.get_domain("cite").role("p")
        assert role is not None  # sphinxcontrib-bibtex is set up first
        made, messages = role(
            "cite:p", f"{{cite:p}}`{known}`", known, self.lineno, self.inliner, {}, []
        )
        return [nodes.Text(text + " "), *made], list(messages)


def link_actions(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Each tier's action links to the tier in this page's box, else in the safety page's."""
    here = {node_id for node in doctree.findall(nodes.container) for node_id in node["ids"]}
    page = app.config.safety_net_page
    for ref in list(doctree.findall(safety_net_ref)):
        anchor = f"safety-net-{ref['tier']}"
        if anchor in here or docname == page:
            uri = f"#{anchor}"
        else:
            uri = f"{app.builder.get_relative_uri(docname, page)}#{anchor}"
        link = nodes.reference("", "", *ref.children, refuri=uri, internal=True)
        link["classes"] = ref["classes"]
        ref.replace_self(link)


def setup(app: Sphinx) -> ExtensionMetadata:
    app.setup_extension("sphinxcontrib.bibtex")
    app.add_config_value("safety_net_file", FILENAME, "env", types=[str])
    # The page whose box the {safety-net} role links to from a page without a box.
    app.add_config_value("safety_net_page", "safety", "env", types=[str])
    app.add_node(safety_net_ref)
    app.add_directive("safety-net", SafetyNetBox)
    app.add_directive("what-to-do-now", WhatToDoNow)
    app.add_role("safety-net", SafetyNetRole())
    app.add_role("safety-net-signs", SafetyNetSignsRole())
    app.connect("builder-inited", read_net)
    app.connect("env-check-consistency", check_net_cites)
    app.connect("doctree-resolved", link_actions)
    return extension_metadata(env_version=1)
