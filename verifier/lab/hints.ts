/**
 * Hints for an exercise's unmet claims. Each comes from a structural check of the trainee's
 * objects against the verdict's structure: for a flow, the Verdict of verifier/netpol (which end
 * is isolated and by which policies, which rule allows); for a request, the admission results
 * (which constraint denies, or that none selects it, or that none could be evaluated). The reason
 * texts are never read. A hint names the file and line of the object, rule or selector it points
 * at; every hint's words are one of HINTS, which docs/exercises.md lists.
 */
import type { ExerciseObject } from "../../config/exercise";
import { parseExpansionTemplate, expandObject, type ExpansionTemplate } from "../admission/expansion";
import { matches, parseMatch, type Match } from "../admission/match";
import type { AdmissionResult } from "../admission/types";
import { wildcardMatches } from "../admission/wildcard";
import { gvkOf, namespaceOf, objectKey, type ObjectLike } from "../kube/object";
import { NAMESPACE_NAME_LABEL, selectorMatches, type LabelSelector, type SelectorRequirement } from "../kube/selector";
import { type ClusterModel, type KubeObject, POD_TEMPLATE_PATHS } from "../model";
import { effectivePolicyTypes, type CompiledPeer, type CompiledPolicy, type CompiledPort } from "../netpol/compile";
import { peerMatches, portsMatch } from "../netpol/matching";
import { buildModel as compileNetwork, labelsOfNamespace, type ClusterModel as NetworkModel } from "../netpol/model";
import type { Endpoint, SideVerdict, Verdict } from "../netpol";
import { EXERCISE_NAMESPACES } from "../../config/exercise";

/** A hint: its words, and the trainee's file and line it points at (null when it points at no object). */
export interface Hint {
  text: string;
  file: string | null;
  line: number | null;
}

/** One kind of hint: when it is given, and its words, from named parts. */
export interface HintTemplate<P extends string = string> {
  when: string;
  params: readonly P[];
  text(parts: Record<P, string>): string;
}

const template = <P extends string>(when: string, params: readonly P[], text: (parts: Record<P, string>) => string) =>
  ({ when, params, text }) as HintTemplate<P>;

/** Where Gatekeeper's command-line tool, which judges Rego as Gatekeeper does, is installed from. */

/** Every hint an exercise can get, in the order docs/exercises.md lists them. */
export const HINTS = {
  noPolicySelects: template(
    "a flow the stage denies is open, and no NetworkPolicy of the exercise selects the pod",
    ["pod", "namespace", "direction", "policyType"],
    (p) =>
      `no NetworkPolicy of the exercise selects ${p.pod}, so its ${p.direction} stays open: write one in namespace ${p.namespace} whose podSelector matches it ({} matches every pod), with ${p.policyType} in its policyTypes`,
  ),
  policyTypesLack: template(
    "a flow the stage denies is open, and the policy selecting the pod does not isolate that direction",
    ["policy", "pod", "types", "direction", "policyType"],
    (p) =>
      `${p.policy} selects ${p.pod}, but its policyTypes are ${p.types}: without ${p.policyType}, ${p.pod}'s ${p.direction} stays open; add ${p.policyType} to policyTypes`,
  ),
  twoPeers: template(
    "a rule's peers are two peers (either one admits) where one peer with both selectors was meant",
    ["policy", "direction", "rule", "peer", "matched"],
    (p) =>
      `${p.policy} ${p.direction} rule ${p.rule} has two peers, one with only a namespaceSelector and one with only a podSelector, and either one admits: ${p.peer} gets in through the ${p.matched} alone. Written as one peer (no "-" before the second selector), both selectors must match`,
  ),
  ruleAdmits: template(
    "a flow the stage denies is allowed by a rule of the exercise",
    ["policy", "direction", "rule", "peer", "port"],
    (p) => `${p.policy} ${p.direction} rule ${p.rule} admits ${p.peer} on ${p.port}; the stage wants this flow denied`,
  ),
  missingLabel: template(
    "a selector wants a label the namespace or the pod does not carry",
    ["selector", "wants", "subject", "carries"],
    (p) => `${p.selector} wants ${p.wants}, which ${p.subject} does not carry (it carries ${p.carries})`,
  ),
  portMismatch: template(
    "a rule's peers match, but its port or protocol does not",
    ["policy", "direction", "rule", "peer", "ports", "port"],
    (p) => `${p.policy} ${p.direction} rule ${p.rule} admits ${p.peer} on ${p.ports} only, not on ${p.port}`,
  ),
  noRuleAllows: template(
    "a flow the stage allows is denied, and no rule comes close to allowing it",
    ["policies", "pod", "direction", "peer", "port"],
    (p) =>
      `${p.pod} is isolated for ${p.direction} (by ${p.policies}) and no ${p.direction} rule admits ${p.peer} on ${p.port}; the stage wants this flow allowed: add a rule that does`,
  ),
  templateIgnores: template(
    "the template never looks at initContainers or ephemeralContainers",
    ["template", "fields", "object"],
    (p) =>
      `the template ${p.template} never looks at ${p.fields}, so ${p.object} is admitted with an image there that the stage denies; check every container list of the Pod`,
  ),
  noExpansion: template(
    "a workload is admitted because no ExpansionTemplate covers it",
    ["object", "kind"],
    (p) =>
      `${p.object} is admitted because no ExpansionTemplate of the exercise covers ${p.kind}: Gatekeeper judges a workload's pod template only when an ExpansionTemplate expands it into the Pod it would create`,
  ),
  matchLeavesOut: template(
    "the constraint's match leaves the namespace out",
    ["constraint", "namespace", "why", "object"],
    (p) =>
      `the match of ${p.constraint} leaves namespace ${p.namespace} out (${p.why}), so it never judges ${p.object}`,
  ),
  noConstraint: template(
    "a request the stage denies is admitted, and no constraint of the exercise selects it",
    ["object"],
    (p) =>
      `no constraint of the exercise selects ${p.object}; the stage wants it denied: a constraint whose match takes it in, with a template that refuses its image`,
  ),
  constraintAdmits: template(
    "a request the stage denies is selected by a constraint whose template finds nothing wrong",
    ["constraint", "object", "template"],
    (p) =>
      `${p.constraint} selects ${p.object}, but its template ${p.template} finds nothing wrong with it; the stage wants it denied: check the template's logic and the constraint's parameters`,
  ),
  deniedBy: template(
    "a request the stage admits is denied",
    ["constraint", "object", "message"],
    (p) => `${p.constraint} denies ${p.object} (${p.message}); the stage wants it admitted`,
  ),
  notJudged: template(
    "a claim depends on a template that has only Rego, and no Rego engine judged it (not judged)",
    ["constraint", "template", "why"],
    (p) => `${p.constraint}'s template ${p.template} has only Rego, and no Rego engine judged it: ${p.why}`,
  ),
  clusterDiffers: template(
    "live: the cluster does not do what the exercise's objects predict",
    ["predicted", "evidence"],
    (p) => `the cluster does not do what the exercise's objects predict (${p.predicted}): ${p.evidence}`,
  ),
  fallback: template(
    "none of the above applies",
    ["expected", "found", "reason"],
    (p) => `the stage expects ${p.expected}, the exercise's objects give ${p.found}: ${p.reason}`,
  ),
} as const;

/** What the hints look at: the lab with the trainee's objects, and where each of those is written. */
export class HintContext {
  private readonly network: NetworkModel;
  private readonly expansions: ExpansionTemplate[];

  constructor(
    readonly model: ClusterModel,
    private readonly written: ReadonlyMap<string, ExerciseObject>,
  ) {
    this.network = compileNetwork({ namespaces: model.namespaces, pods: model.pods, policies: model.policies });
    this.expansions = model.expansionTemplates.flatMap((raw, i) => parseExpansionTemplate(raw, `[${i}]`, []) ?? []);
  }

  /** A hint pointing at a field of a trainee's object (or at nothing). */
  at(text: string, object?: ObjectLike, path: readonly (string | number)[] = []): Hint {
    const found = object === undefined ? undefined : this.written.get(objectKey(object));
    return found === undefined
      ? { text, file: null, line: null }
      : { text, file: found.file, line: found.lineOf(path) };
  }

  /** The compiled policies and their objects, by `namespace/name`. */
  policy(key: string): { compiled: CompiledPolicy; object: KubeObject } {
    const compiled = this.network.policies.find((p) => p.key === key)!;
    const object = this.model.policies.find((p) => `${p.metadata.namespace}/${p.metadata.name}` === key)!;
    return { compiled, object };
  }

  policiesIn(namespace: string): { compiled: CompiledPolicy; object: KubeObject }[] {
    return this.network.policies.filter((p) => p.namespace === namespace).map((p) => this.policy(p.key));
  }

  namespaceLabels(namespace: string): Readonly<Record<string, string>> {
    return labelsOfNamespace(this.network, namespace);
  }

  endpoint(name: string): Endpoint {
    if (name.startsWith("external:")) {
      return { kind: "external", external: this.model.externals.find((e) => `external:${e.name}` === name)! };
    }
    return { kind: "pod", pod: this.model.pods.find((p) => `${p.namespace}/${p.name}` === name)! };
  }

  /** The object and what ExpansionTemplates make of it: every object a constraint could select. */
  reviewed(object: KubeObject): KubeObject[] {
    return [object, ...expandObject(object, this.expansions).map((r) => r.object)];
  }

  expansionCovers(object: KubeObject): boolean {
    return expandObject(object, this.expansions).length > 0;
  }

  namespaceObject(name: string): KubeObject | undefined {
    return this.model.namespaceObjects.find((n) => n.metadata.name === name);
  }
}

// -------------------------------------------------------------------------------------------------
// connectivity

const capital = (direction: "ingress" | "egress") => (direction === "ingress" ? "Ingress" : "Egress");
const peerField = (direction: "ingress" | "egress") => (direction === "ingress" ? "from" : "to");
const portText = (port: number, protocol: string) => `${port}/${protocol}`;

function requirementText(r: SelectorRequirement): string {
  const values = [...r.values];
  switch (r.operator) {
    case "In":
      return values.length === 1 ? `${r.key}=${values[0]}` : `${r.key} in (${values.join(", ")})`;
    case "NotIn":
      return `${r.key} notin (${values.join(", ")})`;
    case "Exists":
      return r.key;
    case "DoesNotExist":
      return `!${r.key}`;
  }
}

/** The requirements of a selector that the labels do not meet. */
function unmet(selector: LabelSelector, labels: Readonly<Record<string, string>>): SelectorRequirement[] {
  return selector.requirements.filter((r) => !selectorMatches({ requirements: [r] }, labels));
}

/**
 * Labels as a reader takes them in: sorted, and three or more under one prefix counted rather
 * than listed (a namespace's six pod-security.kubernetes.io labels).
 */
function labelsText(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return "no label";
  const prefix = (key: string) => (key.includes("/") ? key.slice(0, key.indexOf("/")) : "");
  const count = (p: string) => entries.filter(([key]) => prefix(key) === p).length;
  const parts: string[] = [];
  for (const [key, value] of entries) {
    const p = prefix(key);
    if (p === "" || count(p) < 3) parts.push(`${key}=${value}`);
    else if (!parts.includes(`${p}/… (${count(p)} labels)`)) parts.push(`${p}/… (${count(p)} labels)`);
  }
  return parts.join(", ");
}

function portsText(ports: CompiledPort[]): string {
  return ports
    .map((p) =>
      p.kind === "any"
        ? `any port/${p.protocol}`
        : p.kind === "named"
          ? `${p.name}/${p.protocol}`
          : p.from === p.to
            ? `${p.from}/${p.protocol}`
            : `${p.from}-${p.to}/${p.protocol}`,
    )
    .join(", ");
}

/** The end a hint speaks of: the one in the lab's namespaces that the stage means to isolate. */
function sideOf(verdict: Verdict, pick: (side: SideVerdict) => boolean): SideVerdict | undefined {
  const inLab = (side: SideVerdict | null): side is SideVerdict =>
    side !== null && EXERCISE_NAMESPACES.includes(side.endpoint.split("/")[0]) && pick(side);
  // The destination's ingress first: the lab's flows are isolated where they arrive, egress only
  // where the stage cuts a pod off.
  return [verdict.ingress, verdict.egress].find(inLab);
}

/**
 * Why a flow the stage wants `expected` (allowed or not) is the opposite, from its verdict; the
 * fallback when no check applies.
 */
export function connectivityHint(verdict: Verdict, expected: boolean, context: HintContext): Hint {
  const found = verdict.allowed ? "allowed" : "denied";
  const fallback = () =>
    context.at(HINTS.fallback.text({ expected: expected ? "allowed" : "denied", found, reason: verdict.reason }));
  const port = portText(verdict.port, verdict.protocol);
  if (!expected) {
    const side = sideOf(verdict, () => true);
    if (side === undefined) return fallback();
    const peer = side.direction === "ingress" ? verdict.from : verdict.to;
    if (side.isolatedBy.length === 0) return openSideHint(side, context) ?? fallback();
    const rule = side.allowedBy!;
    const { compiled, object } = context.policy(rule.policy);
    const rules = side.direction === "ingress" ? compiled.ingress! : compiled.egress!;
    const path = ["spec", side.direction, rule.rule - 1, peerField(side.direction)];
    const matched = twoPeersMatched(rules[rule.rule - 1].peers, context.endpoint(peer), context);
    if (matched !== undefined) {
      const parts = { policy: rule.policy, direction: side.direction, rule: String(rule.rule), peer, matched };
      return context.at(HINTS.twoPeers.text(parts), object, path);
    }
    const parts = { policy: rule.policy, direction: side.direction, rule: String(rule.rule), peer, port };
    return context.at(HINTS.ruleAdmits.text(parts), object, path.slice(0, 3));
  }
  const side = sideOf(verdict, (s) => !s.allowed);
  if (side === undefined) return fallback();
  return closedSideHint(verdict, side, context);
}

/** A flow the stage denies is open at `side`, which no policy isolates. */
function openSideHint(side: SideVerdict, context: HintContext): Hint | undefined {
  const [namespace, name] = side.endpoint.split("/");
  const pod = context.model.pods.find((p) => p.namespace === namespace && p.name === name)!;
  const policies = context.policiesIn(namespace);
  const selecting = policies.find((p) => selectorMatches(p.compiled.podSelector, pod.labels));
  const direction = side.direction;
  if (selecting !== undefined) {
    const declared: unknown = selecting.object.spec.policyTypes;
    const types = effectivePolicyTypes(selecting.object.spec);
    const typesText =
      Array.isArray(declared) && declared.length > 0
        ? (declared as string[]).join(", ")
        : `${[types.ingress && "Ingress", types.egress && "Egress"].filter(Boolean).join(", ")} (the default when policyTypes is not written)`;
    const parts = {
      policy: selecting.compiled.key,
      pod: side.endpoint,
      types: typesText,
      direction,
      policyType: capital(direction),
    };
    return context.at(HINTS.policyTypesLack.text(parts), selecting.object, ["spec", "policyTypes"]);
  }
  // A policy of the namespace meant for the pod: the one that misses it by the fewest labels.
  const nearest = policies
    .map((p) => ({ ...p, missing: unmet(p.compiled.podSelector, pod.labels) }))
    .sort((a, b) => a.missing.length - b.missing.length)[0];
  if (nearest !== undefined && nearest.missing.length > 0) {
    const parts = {
      selector: `${nearest.compiled.key}'s podSelector`,
      wants: nearest.missing.map(requirementText).join(", "),
      subject: `pod ${side.endpoint}`,
      carries: labelsText(pod.labels),
    };
    return context.at(HINTS.missingLabel.text(parts), nearest.object, ["spec", "podSelector"]);
  }
  const parts = { pod: side.endpoint, namespace, direction, policyType: capital(direction) };
  return context.at(HINTS.noPolicySelects.text(parts));
}

/**
 * When a rule's peers are one namespaceSelector-only peer and one podSelector-only peer, and the
 * peer got in through one of them without matching the other: which selector let it in.
 */
function twoPeersMatched(peers: CompiledPeer[] | null, peer: Endpoint, context: HintContext): string | undefined {
  if (peers === null || peer.kind !== "pod") return undefined;
  const selectorPeers = peers.filter((p): p is Extract<CompiledPeer, { kind: "selector" }> => p.kind === "selector");
  const namespaceOnly = selectorPeers.filter((p) => p.namespaceSelector !== null && p.podSelector === null);
  const podOnly = selectorPeers.filter((p) => p.namespaceSelector === null && p.podSelector !== null);
  if (namespaceOnly.length === 0 || podOnly.length === 0) return undefined;
  const labelsOf = (namespace: string) => context.namespaceLabels(namespace);
  const byNamespace = namespaceOnly.some((p) => peerMatches(p, peer, undefined, labelsOf));
  const byPod = podOnly.some((p) => peerMatches(p, peer, undefined, labelsOf));
  // Both at once: one peer with both selectors would have let it in too.
  if (byNamespace && byPod) return undefined;
  if (byNamespace) return "namespaceSelector";
  if (byPod) return "podSelector";
  return undefined;
}

/** A flow the stage allows is denied at `side`: the rule that comes closest, and what it misses. */
function closedSideHint(verdict: Verdict, side: SideVerdict, context: HintContext): Hint {
  const direction = side.direction;
  const peerName = direction === "ingress" ? verdict.from : verdict.to;
  const peer = context.endpoint(peerName);
  const to = context.endpoint(verdict.to);
  const destination = to.kind === "pod" ? to.pod : null;
  const port = portText(verdict.port, verdict.protocol);
  const labelsOf = (namespace: string) => context.namespaceLabels(namespace);
  const candidates: { missing: number; hint: Hint }[] = [];
  for (const key of side.isolatedBy) {
    const { compiled, object } = context.policy(key);
    const rules = (direction === "ingress" ? compiled.ingress : compiled.egress) ?? [];
    for (const rule of rules) {
      const path = ["spec", direction, rule.number - 1];
      const peersMatch = rule.peers === null || rule.peers.some((p) => peerMatches(p, peer, undefined, labelsOf));
      const portsMatchToo = portsMatch(rule.ports, verdict.port, verdict.protocol, destination);
      if (peersMatch && !portsMatchToo) {
        const parts = {
          policy: key,
          direction,
          rule: String(rule.number),
          peer: peerName,
          ports: portsText(rule.ports!),
          port,
        };
        candidates.push({ missing: 0, hint: context.at(HINTS.portMismatch.text(parts), object, [...path, "ports"]) });
        continue;
      }
      if (!portsMatchToo || peer.kind !== "pod") continue;
      (rule.peers ?? []).forEach((candidate, j) => {
        if (candidate.kind !== "selector") return;
        const peerPath = [...path, peerField(direction), j];
        const namespaceLabels = labelsOf(peer.pod.namespace);
        // Without a namespaceSelector, a peer is in the policy's own namespace: as if it wanted
        // that namespace's name label.
        const namespaceSelector: LabelSelector | null =
          candidate.namespaceSelector ??
          (candidate.ownNamespace === peer.pod.namespace
            ? null
            : {
                requirements: [
                  { key: NAMESPACE_NAME_LABEL, operator: "In", values: new Set([candidate.ownNamespace!]) },
                ],
              });
        const nsMissing = namespaceSelector ? unmet(namespaceSelector, namespaceLabels) : [];
        const podMissing = candidate.podSelector ? unmet(candidate.podSelector, peer.pod.labels) : [];
        const which =
          nsMissing.length === 0
            ? "podSelector"
            : candidate.namespaceSelector === null
              ? "peer, which has no namespaceSelector (its own namespace only),"
              : "namespaceSelector";
        const missing = nsMissing.length > 0 ? nsMissing : podMissing;
        if (missing.length === 0) return;
        const parts = {
          selector: `${key} ${direction} rule ${rule.number}'s ${which}`,
          wants: missing.map(requirementText).join(", "),
          subject: nsMissing.length > 0 ? `namespace ${peer.pod.namespace}` : `pod ${peerName}`,
          carries: labelsText(nsMissing.length > 0 ? namespaceLabels : peer.pod.labels),
        };
        const field =
          nsMissing.length === 0 ? ["podSelector"] : candidate.namespaceSelector ? ["namespaceSelector"] : [];
        candidates.push({
          missing: nsMissing.length + podMissing.length,
          hint: context.at(HINTS.missingLabel.text(parts), object, [...peerPath, ...field]),
        });
      });
    }
  }
  candidates.sort((a, b) => a.missing - b.missing);
  if (candidates.length > 0) return candidates[0].hint;
  const parts = { policies: side.isolatedBy.join(", "), pod: side.endpoint, direction, peer: peerName, port };
  return context.at(HINTS.noRuleAllows.text(parts), context.policy(side.isolatedBy[0]).object);
}

// -------------------------------------------------------------------------------------------------
// admission

const POD_CONTAINER_LISTS = ["initContainers", "ephemeralContainers"] as const;

/** The text a template's policy code is written in, whatever its engine. */
function codeOf(template: KubeObject): string {
  return JSON.stringify(template.spec?.targets ?? []);
}

/**
 * Why requests the stage wants `expectAdmitted` got the other verdict. `probes` are the claim's
 * objects, `results` their verdicts in the same order.
 */
export function admissionHint(
  probes: KubeObject[],
  results: AdmissionResult[],
  expectAdmitted: boolean,
  context: HintContext,
): Hint {
  const wrong = results.findIndex((r) => r.allowed !== expectAdmitted && r.judged !== false);
  const result = results[wrong];
  const object = probes[wrong];
  if (!expectAdmitted) return admittedHint(object, result, context);
  const deny = result.violations.find((v) => v.enforcementAction === "deny")!;
  const constraint = context.model.constraints.find((c) => objectKey(c) === deny.constraint);
  const inLab = EXERCISE_NAMESPACES.includes(namespaceOf(object));
  // Outside the lab's namespaces it is the match that takes it in; inside, the parameters deny it.
  return context.at(
    HINTS.deniedBy.text({ constraint: deny.constraint, object: result.object, message: deny.message }),
    constraint,
    ["spec", inLab ? "parameters" : "match"],
  );
}

/** A request the stage denies was admitted. */
function admittedHint(object: KubeObject, result: AdmissionResult, context: HintContext): Hint {
  const model = context.model;
  const reviewed = context.reviewed(object);
  const namespace = context.namespaceObject(namespaceOf(object));
  const selects = (match: Match) =>
    reviewed.some((o) => matches(match, { object: o, namespace, source: o === object ? "Original" : "Generated" }));
  const templateOf = (constraint: KubeObject) =>
    model.templates.find((t) => t.spec?.crd?.spec?.names?.kind === constraint.kind)!;
  const matching = model.constraints.flatMap((constraint) => {
    const match = matchOf(constraint);
    return match === undefined ? [] : [{ constraint, match }];
  });
  const selecting = matching.filter(({ match }) => selects(match)).map(({ constraint }) => constraint);
  for (const constraint of selecting) {
    const template = templateOf(constraint);
    const ignored = POD_CONTAINER_LISTS.filter(
      (field) =>
        reviewed.some((o) => Array.isArray(o.spec?.[field]) && o.spec[field].length > 0) &&
        !codeOf(template).includes(field),
    );
    if (ignored.length > 0) {
      const parts = { template: template.metadata.name, fields: ignored.join(" and "), object: result.object };
      return context.at(HINTS.templateIgnores.text(parts), template, ["spec", "targets", 0]);
    }
  }
  if (selecting.length > 0) {
    const parts = {
      constraint: objectKey(selecting[0]),
      object: result.object,
      template: templateOf(selecting[0]).metadata.name,
    };
    return context.at(HINTS.constraintAdmits.text(parts), selecting[0], ["spec", "parameters"]);
  }
  const gvk = gvkOf(object);
  if (POD_TEMPLATE_PATHS[gvk.kind] !== undefined && !context.expansionCovers(object)) {
    return context.at(
      HINTS.noExpansion.text({ object: result.object, kind: `${gvk.group}/${gvk.version} ${gvk.kind}` }),
    );
  }
  // A constraint that would select it but for its namespace.
  const name = namespaceOf(object);
  for (const { constraint, match } of matching) {
    if (!selects({ ...match, namespaces: [], excludedNamespaces: [], namespaceSelector: undefined })) continue;
    const why =
      match.namespaces.length > 0 && !match.namespaces.some((w) => wildcardMatches(w, name))
        ? { text: `its namespaces are ${match.namespaces.join(", ")}`, field: "namespaces" }
        : match.excludedNamespaces.some((w) => wildcardMatches(w, name))
          ? { text: `its excludedNamespaces take in ${name}`, field: "excludedNamespaces" }
          : { text: `its namespaceSelector does not select namespace ${name}`, field: "namespaceSelector" };
    const parts = { constraint: objectKey(constraint), namespace: name, why: why.text, object: result.object };
    return context.at(HINTS.matchLeavesOut.text(parts), constraint, ["spec", "match", why.field]);
  }
  return context.at(HINTS.noConstraint.text({ object: result.object }));
}

function matchOf(constraint: KubeObject): Match | undefined {
  const problems: string[] = [];
  const match = parseMatch(constraint.spec?.match, "spec.match", problems);
  return problems.length > 0 ? undefined : match;
}

/** A claim no engine here could judge: the Rego-only template it depends on. */
export function notJudgedHint(results: AdmissionResult[], context: HintContext): Hint {
  const { constraint, template, why } = results.find((r) => r.judged === false)!.notJudgedBy![0];
  const object = context.model.templates.find((t) => t.metadata?.name === template);
  return context.at(HINTS.notJudged.text({ constraint, template, why }), object, ["spec", "targets", 0]);
}
