/** Rails reads both `include[]=a&include[]=b` and a bare `include=a` as a list. */
export function listParam(params: URLSearchParams, name: string): string[] {
  return [...params.getAll(`${name}[]`), ...params.getAll(name)];
}

export function includesOf(params: URLSearchParams): Set<string> {
  return new Set(listParam(params, 'include'));
}
