/** A tiny element builder: text always goes in as text, never as HTML. */
type Child = Node | string | undefined | false

export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(props))
    if (value !== undefined) element.setAttribute(name, value)
  for (const child of children) if (child) element.append(child)
  return element
}

export const mount = (root: HTMLElement, ...children: Child[]): void => {
  root.replaceChildren(...children.filter((c): c is Node | string => Boolean(c)))
}
