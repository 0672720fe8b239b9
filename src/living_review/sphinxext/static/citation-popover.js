/* living_review.sphinxext.citation_popovers: a popover with the reference behind a citation.
 *
 * Each page that cites works carries their formatted entries in <template id="cited-works">.
 * A citation number opens a small non-modal dialog with its entry (authors, title, journal,
 * year; PubMed, DOI and free full-text links) and a link to the reference list:
 *   - on hover (mouse), after a short delay; it stays open while the pointer is over it;
 *   - on keyboard focus; Tab then moves into the popover, right after the number in the text;
 *   - on a tap (touch or pen); a second tap on the same number follows the link.
 * Escape or the close button closes it and returns focus to the number; a tap or click
 * elsewhere, or focus moving away, closes it too. A mouse click or Enter follows the link as
 * before. The popover is absolutely positioned and kept inside the viewport: no layout shift.
 * Without JavaScript the number is a plain link to the reference list.
 *
 * A claim's certainty badge (<span class="claim" data-claim="id">, living_review.sphinxext.claims)
 * opens the same popover, the same ways, with "What the source says" about the claim from
 * <template id="claim-findings">; without JavaScript the badge links to the certainty legend.
 */
(() => {
  "use strict";
  const works = document.getElementById("cited-works");
  const claimFindings = document.getElementById("claim-findings");
  if (!works && !claimFindings) return;
  const entries = new Map();
  for (const entry of works ? works.content.querySelectorAll("[data-cite-id]") : []) {
    entries.set(entry.dataset.citeId, entry);
  }
  const findings = new Map();
  const claimEntries = claimFindings
    ? claimFindings.content.querySelectorAll("[data-claim-id]")
    : [];
  for (const entry of claimEntries) findings.set(entry.dataset.claimId, entry);
  const HOVER_OPEN_MS = 200;
  const HOVER_CLOSE_MS = 300;
  const MARGIN = 8;

  const popover = document.createElement("div");
  popover.className = "citation-popover";
  popover.id = "citation-popover";
  popover.setAttribute("role", "dialog");
  popover.tabIndex = -1;
  popover.hidden = true;

  let current = null; // the citation link whose popover is open
  let timer = 0;
  let lastPointer = { type: "", time: 0, wasOpen: false };
  let refocusing = false; // focus returned to the number on closing must not reopen it

  const citeId = (link) => decodeURIComponent(link.hash.slice(1));
  const claimId = (link) => link.closest(".claim")?.dataset.claim;

  function fill(link) {
    const finding = findings.get(claimId(link));
    const entry = entries.get(citeId(link));
    const label = link.textContent.trim();
    popover.replaceChildren();
    popover.classList.toggle("claim-popover", Boolean(finding));
    popover.setAttribute("aria-label", finding ? "What the source says" : `Reference ${label}`);
    const close = document.createElement("button");
    close.type = "button";
    close.className = "citation-popover-close";
    close.setAttribute("aria-label", "Close");
    close.textContent = "\u00d7";
    close.addEventListener("click", () => hide(true));
    let body;
    if (finding) {
      body = document.createElement("div");
      body.className = "claim-popover-findings";
      body.append(...finding.cloneNode(true).childNodes);
    } else {
      body = document.createElement("p");
      body.className = "citation-popover-entry";
      const number = document.createElement("span");
      number.className = "citation-popover-label";
      number.textContent = `[${label}] `;
      body.append(number, ...(entry ? entry.cloneNode(true).childNodes : []));
    }
    const more = document.createElement("a");
    more.href = link.href;
    more.className = "citation-popover-more";
    more.textContent = finding ? "What the certainty levels mean" : "Go to the reference list";
    const footer = document.createElement("p");
    footer.append(more);
    popover.append(body, footer, close); // the close button comes last in the tab order
  }

  function place(link) {
    const holder = link.closest(".bibtex-citation, .claim") || link.parentElement;
    holder.classList.add("has-citation-popover");
    holder.append(popover);
    popover.style.left = "0px";
    popover.style.top = "";
    popover.style.bottom = "";
    popover.classList.remove("above");
    const anchor = holder.getBoundingClientRect();
    // A badge with its time frame may wrap over two lines: "left: 0" is then the start of its
    // first line, not the left of the box around both lines.
    const start = (holder.getClientRects()[0] || anchor).left;
    const width = popover.offsetWidth;
    const left = Math.min(Math.max(MARGIN, start), window.innerWidth - width - MARGIN);
    popover.style.left = `${Math.round(Math.max(MARGIN, left) - start)}px`;
    const below = window.innerHeight - anchor.bottom;
    if (below < popover.offsetHeight + MARGIN && anchor.top > below) {
      popover.classList.add("above");
    }
  }

  function show(link) {
    clearTimeout(timer);
    if (current === link && !popover.hidden) return;
    if (current) current.setAttribute("aria-expanded", "false");
    current = link;
    fill(link);
    popover.hidden = false;
    link.setAttribute("aria-expanded", "true");
    link.setAttribute("aria-controls", popover.id);
    place(link);
  }

  function hide(returnFocus) {
    clearTimeout(timer);
    if (!current) return;
    const link = current;
    popover.hidden = true;
    link.setAttribute("aria-expanded", "false");
    link.removeAttribute("aria-controls");
    current = null;
    if (returnFocus) {
      refocusing = true;
      link.focus();
      refocusing = false;
    }
  }

  const later = (action, ms) => {
    clearTimeout(timer);
    timer = setTimeout(action, ms);
  };
  // The pointer left: close, unless the keyboard is working inside the popover.
  const hideAfterHover = () => {
    if (!popover.contains(document.activeElement)) hide(false);
  };

  const links = document.querySelectorAll(
    ".bibtex-citation a[href*='#'], .claim[data-claim] a.certainty",
  );
  for (const link of links) {
    if (!entries.has(citeId(link)) && !findings.has(claimId(link))) continue;
    if (link.title) {
      link.dataset.title = link.title; // the popover replaces the browser's tooltip
      link.removeAttribute("title");
    }
    link.setAttribute("aria-expanded", "false");
    link.addEventListener("pointerenter", (event) => {
      if (event.pointerType === "mouse") later(() => show(link), HOVER_OPEN_MS);
    });
    link.addEventListener("pointerleave", (event) => {
      if (event.pointerType === "mouse") later(hideAfterHover, HOVER_CLOSE_MS);
    });
    link.addEventListener("pointerdown", (event) => {
      lastPointer = {
        type: event.pointerType,
        time: Date.now(),
        wasOpen: current === link && !popover.hidden,
      };
    });
    link.addEventListener("focus", () => {
      // A tap focuses the link too; the click below decides what a tap does.
      if (!refocusing && Date.now() - lastPointer.time > 600) show(link);
    });
    link.addEventListener("click", (event) => {
      const tapped = lastPointer.type === "touch" || lastPointer.type === "pen";
      if (tapped && Date.now() - lastPointer.time < 1500 && !lastPointer.wasOpen) {
        event.preventDefault();
        show(link);
        popover.focus({ preventScroll: true });
      }
    });
  }

  popover.addEventListener("pointerenter", () => clearTimeout(timer));
  popover.addEventListener("pointerleave", (event) => {
    if (event.pointerType === "mouse") later(hideAfterHover, HOVER_CLOSE_MS);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && current) {
      event.preventDefault();
      hide(true);
    }
  });
  document.addEventListener("pointerdown", (event) => {
    if (current && !popover.contains(event.target) && !current.contains(event.target)) {
      hide(false);
    }
  });
  document.addEventListener("focusin", (event) => {
    if (current && !popover.contains(event.target) && event.target !== current) hide(false);
  });
  window.addEventListener("resize", () => current && place(current));
})();
