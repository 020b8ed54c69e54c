/**
 * Where `{{ … }}` expressions stand in a string, for playbooks and inventories alike. A string that
 * is one expression and nothing else (not even a space or a newline) gives the expression's value
 * with its type; text around it, like YAML's final newline in `content: "{{ x }}\n"`, is kept.
 */
export const WHOLE_EXPRESSION = /^\{\{((?:(?!\}\}).)*)\}\}$/s;
export const EMBEDDED_EXPRESSION = /\{\{(.*?)\}\}/gs;
