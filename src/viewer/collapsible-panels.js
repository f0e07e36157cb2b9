// The floating panels' collapse buttons, shared by the live and replay pages.

/**
 * Makes every `.float [data-role=collapse]` button fold and unfold its panel.
 * @param {(panel: HTMLElement) => void} [onExpand] called with a panel that was just unfolded
 */
export function wireCollapsiblePanels(onExpand = () => {}) {
  for (const button of document.querySelectorAll(".float [data-role=collapse]")) {
    button.addEventListener("click", () => {
      const panel = /** @type {HTMLElement} */ (button.closest(".float"));
      const collapsed = panel.classList.toggle("collapsed");
      button.setAttribute("aria-expanded", String(!collapsed));
      button.setAttribute("title", collapsed ? "Expand" : "Collapse");
      if (!collapsed) onExpand(panel);
    });
  }
}
