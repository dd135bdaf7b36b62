/** Small helpers for the form controls: fill a <select>, read and watch inputs. */

/** Fills `select` with options (value → label) and selects `current`. */
export function fillSelect(select: HTMLSelectElement, options: Record<string, string> | readonly (string | number)[], current: string | number): void {
  // A list's values are their own labels; a record maps values to labels.
  const list = Array.isArray(options);
  const entries = Object.entries(options).map(([key, v]): [string, string] => (list ? [String(v), String(v)] : [key, String(v)]));
  select.replaceChildren(
    ...entries.map(([value, label]) => {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = label;
      return option;
    }),
  );
  select.value = String(current);
}

/** The element with this id, typed; a missing id is a bug in index.html, reported by name. */
export function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`index.html has no element #${id}`);
  return found as T;
}
