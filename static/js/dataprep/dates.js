// Ambiguous dates: the formats that fit a column (day and month both ≤ 12),
// each shown with how one of the column's values reads under it.

const MONTHS = ["January", "February", "March", "April", "May", "June", "July",
  "August", "September", "October", "November", "December"];
const TOKENS = { "%d": ["day", "(\\d{1,2})"], "%m": ["month", "(\\d{1,2})"], "%Y": ["year", "(\\d{4})"],
  "%y": ["year2", "(\\d{2})"], "%H": ["hour", "(\\d{1,2})"], "%M": ["minute", "(\\d{2})"], "%S": ["second", "(\\d{2})"] };
const SHOWN = { "%d": "dd", "%m": "mm", "%Y": "yyyy", "%y": "yy", "%H": "hh", "%M": "mi", "%S": "ss" };

/** A strftime format as people write it: %d/%m/%Y reads dd/mm/yyyy. */
export function formatName(fmt) {
  return fmt.replace(/%./g, (t) => SHOWN[t] || t);
}

/** How a value reads under a format ("3 April 2024"), or null if it does not fit. */
export function readAs(value, fmt) {
  const names = [];
  const source = fmt.split(/(%.)/).map((part) => {
    if (TOKENS[part]) {
      names.push(TOKENS[part][0]);
      return TOKENS[part][1];
    }
    return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }).join("");
  const found = new RegExp(`^${source}$`).exec(String(value).trim());
  if (!found) return null;
  const parts = Object.fromEntries(names.map((n, i) => [n, Number(found[i + 1])]));
  const year = parts.year ?? (parts.year2 !== undefined ? 2000 + parts.year2 : null);
  if (!parts.month || parts.month > 12 || !parts.day || parts.day > 31) return null;
  const time = parts.hour !== undefined ? ` ${String(parts.hour).padStart(2, "0")}:${String(parts.minute ?? 0).padStart(2, "0")}` : "";
  return `${parts.day} ${MONTHS[parts.month - 1]}${year !== null ? ` ${year}` : ""}${time}`;
}

/** A value that reads differently under the formats, else the first one. */
export function telling(values, formats) {
  const readings = (v) => new Set(formats.map((f) => readAs(v, f)));
  return values.find((v) => readings(v).size === formats.length && !readings(v).has(null)) ?? values[0];
}

/** The choices for a format field: each format with its reading of the example. */
export function formatChoices(formats, values) {
  const example = telling(values, formats);
  return formats.map((fmt) => {
    const reading = example !== undefined ? readAs(example, fmt) : null;
    return { value: fmt, label: reading ? `${formatName(fmt)}: ${example} is ${reading}` : formatName(fmt) };
  });
}

/** The formats a refused conversion offers: `candidates` where the server sends them. */
export function candidatesOf(error) {
  const problem = error && error.problem ? error.problem : {};
  const listed = problem.candidates || (error.fields || []).find((f) => Array.isArray(f.candidates))?.candidates;
  if (Array.isArray(listed) && listed.length) return listed;
  // An older server says them in its message only: "... fit A or B; choose one".
  const said = /fit (.+?); choose one/.exec((error.fields || []).map((f) => f.message).join(" ") || error.detail || "");
  return said ? said[1].split(" or ").map((s) => s.trim()).filter(Boolean) : [];
}
