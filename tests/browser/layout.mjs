// Where things are drawn, checked by their boxes rather than by the page's scroll width: every
// control and message bubble inside the viewport and inside its panel (above or below it only
// when scrolled), every image inside its bubble or card. Returns what is out of place, as
// "what: where" strings (empty: all in place).
const CONTROLS = "input:not([type=file]), select, textarea, button, a, label, .bubble";
const SLACK = 1; // px: sub-pixel rounding

export async function outOfPlace(page, panels, pictures) {
  return page.evaluate(
    ({ controls, panels, pictures, slack }) => {
      const name = (el) =>
        el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`;
      const drawn = (el) => {
        const box = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        return box.width > 0 && box.height > 0 && style.visibility !== "hidden" ? box : null;
      };
      const outside = (inner, outer, vertically = false) =>
        Math.max(outer.left - inner.left, inner.right - outer.right, 0) > slack ||
        (vertically && Math.max(outer.top - inner.top, inner.bottom - outer.bottom, 0) > slack);
      // Scrolled content (a chat's older bubbles) may lie above or below its panel, not beside.
      const scrolled = (el, panel) => {
        for (let up = el.parentElement; up && up !== panel; up = up.parentElement) {
          if (/(auto|scroll)/.test(getComputedStyle(up).overflowY)) return true;
        }
        return false;
      };
      const viewport = { left: 0, right: document.documentElement.clientWidth };
      const found = [];
      for (const el of document.querySelectorAll(controls)) {
        const box = drawn(el);
        if (!box) continue;
        if (outside(box, viewport)) found.push(`${name(el)}: outside the viewport`);
        const panel = el.closest(panels);
        const frame = panel && drawn(panel);
        if (frame && outside(box, frame, !scrolled(el, panel))) {
          found.push(`${name(el)}: outside ${name(panel)}`);
        }
      }
      for (const img of document.querySelectorAll(pictures)) {
        const box = drawn(img);
        const holder = img.parentElement.closest(".bubble, .card, td, section");
        const frame = holder && drawn(holder);
        if (box && frame && outside(box, frame)) found.push(`img: outside ${name(holder)}`);
      }
      return found;
    },
    { controls: CONTROLS, panels, pictures, slack: SLACK },
  );
}
