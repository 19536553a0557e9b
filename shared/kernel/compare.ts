/** Orders strings by UTF-16 code units, the same on every runtime and locale (unlike `localeCompare`). */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
