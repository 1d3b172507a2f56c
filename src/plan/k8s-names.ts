/**
 * Kubernetes' own validation of the names nbbuild puts on pods (apimachinery's
 * IsQualifiedName, IsValidLabelValue, IsDNS1123Label and ValidateAnnotationsSize), so a
 * label, an annotation or a step name the cluster would reject is refused at plan time.
 */

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Longest DNS-1123 label (a task's pod name part, a label value). */
export const DNS_LABEL_MAX = 63;
/** Largest total size of a pod's annotations (keys and values), in bytes. */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** Why `key` is not a qualified name (`[prefix/]name`), or undefined when it is one. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split("/");
  if (parts.length > 2) return "a key has at most one '/' (an optional DNS prefix, then the name)";
  const name = parts[parts.length - 1]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (!prefix) return "the prefix before '/' is empty";
    if (prefix.length > 253) return "the prefix before '/' is longer than 253 characters";
    if (!DNS1123_SUBDOMAIN.test(prefix)) return `the prefix ${JSON.stringify(prefix)} is not a DNS subdomain (lowercase letters, digits, '-' and '.')`;
  }
  if (!name) return "the name is empty";
  if (name.length > DNS_LABEL_MAX) return `the name is longer than ${DNS_LABEL_MAX} characters`;
  if (!NAME_PART.test(name)) return "the name must start and end with a letter or digit and hold only letters, digits, '-', '_' and '.'";
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is one. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > DNS_LABEL_MAX) return `it is longer than ${DNS_LABEL_MAX} characters`;
  if (value && !NAME_PART.test(value)) return "it must be empty, or start and end with a letter or digit and hold only letters, digits, '-', '_' and '.'";
  return undefined;
}

/** Total size of annotations as Kubernetes counts it (bytes of every key and value). */
export function annotationsSize(annotations: Record<string, string>): number {
  let n = 0;
  for (const [k, v] of Object.entries(annotations)) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

/** True for a DNS-1123 label. */
export const isDnsLabel = (s: string): boolean => s.length <= DNS_LABEL_MAX && DNS1123_LABEL.test(s);

/**
 * The KFP SDK's k8s-name sanitising (kfp/dsl/utils.py `maybe_rename_for_k8s`): lower-case, every
 * run of characters outside [-0-9a-z] becomes one '-', runs of '-' collapse, leading/trailing '-' go.
 */
export function k8sName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^-0-9a-z]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "");
}
