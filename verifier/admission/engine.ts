/**
 * An offline Gatekeeper: reviews one object against ConstraintTemplates, constraints and
 * ExpansionTemplates the way Gatekeeper's validating webhook does (pkg/webhook/policy.go):
 * the object is judged by every constraint whose `match` selects it, then each resource
 * that ExpansionTemplates generate from it is judged too, its messages prefixed with
 * "[Implied by <expansion template>] ". Only a "deny" violation refuses the object.
 */
import { parseConstraint, type ParsedConstraint } from "./constraint";
import { compileTemplate, type CompiledTemplate } from "./constraint-template";
import { AdmissionInputError, collectProblems } from "./errors";
import {
  expandObject,
  findExpansionCycles,
  parseExpansionTemplate,
  type ExpansionTemplate,
  type Resultant,
} from "./expansion";
import { enforce, kubectlCommandFor, type GatekeeperInstall, type JudgingConstraint } from "./enforcement";
import { matches, UnknownNamespaceError } from "./match";
import { GATOR_INSTALL_URL } from "./rego";
import { gvkOf, isNamespaceObject, isRecord, nameOf, namespaceOf, objectKey } from "../kube/object";
import type { AdmissionResult, KubeObject, NotJudgedBy, Operation, RegoVerdicts, SourceType } from "./types";

export interface AdmissionEngineInput {
  /** ConstraintTemplate objects. */
  templates: object[];
  /** Constraint objects; each kind must be defined by one of `templates`. */
  constraints: object[];
  /** ExpansionTemplate objects. */
  expansionTemplates: object[];
  /** Namespace objects, for namespaceSelector and for CEL's namespaceObject. */
  namespaces: object[];
  /**
   * The Gatekeeper install, when known: the verdicts then say where the API server enforces
   * them (a ValidatingAdmissionPolicy or the webhook) and what it answers.
   */
  install?: GatekeeperInstall;
  /**
   * A real Rego engine's verdicts for the constraints of Rego-only templates (judgeRego in
   * ./rego), judged before the reviews. Without them such a constraint is left out of the verdict,
   * with a note.
   */
  rego?: RegoVerdicts;
}

/** One object under review: the request's own, or a resultant of an ExpansionTemplate. */
interface Review {
  object: KubeObject;
  oldObject: KubeObject | null;
  /** "" for a resultant, whose mock request carries no operation in Gatekeeper either. */
  operation: Operation | "";
  source: SourceType;
  resultant?: Resultant;
}

export class AdmissionEngine {
  private readonly templatesByKind = new Map<string, CompiledTemplate>();
  private readonly constraints: ParsedConstraint[] = [];
  private readonly expansions: ExpansionTemplate[] = [];
  private readonly namespaces = new Map<string, KubeObject>();
  /** Kinds of templates that failed to compile (already reported; not "missing" too). */
  private readonly failedKinds = new Set<string>();
  private readonly install?: GatekeeperInstall;
  private readonly rego?: RegoVerdicts;

  /** Compiles all CEL up front; throws one AdmissionInputError listing every problem. */
  constructor(input: AdmissionEngineInput) {
    const problems: string[] = [];
    this.addTemplates(input.templates, problems);
    this.addConstraints(input.constraints, problems);
    this.addExpansionTemplates(input.expansionTemplates, problems);
    this.addNamespaces(input.namespaces, problems);
    if (problems.length > 0) throw new AdmissionInputError(problems);
    this.install = input.install;
    this.rego = input.rego;
  }

  /**
   * Reviews `obj` as a CREATE (oldObject null) or an UPDATE. An UPDATE without `oldObject`
   * is judged as re-applying the same object (oldObject = obj). For the enforcement, `request`
   * says where a client sends it from ("STDIN" for `kubectl create -f -`, the default) and the
   * subresource an UPDATE goes through.
   */
  review(
    obj: object,
    operation: Operation = "CREATE",
    oldObject?: object,
    request: { file?: string; subresource?: string } = {},
  ): AdmissionResult {
    const object = reviewedObject(obj);
    const old = operation === "UPDATE" ? reviewedObject(oldObject ?? obj) : null;
    const result: AdmissionResult = { object: objectKey(object), allowed: true, violations: [], notes: [] };
    const unjudged: NotJudgedBy[] = [];
    const matched = this.judge({ object, oldObject: old, operation, source: "Original" }, result, unjudged);
    for (const resultant of expandObject(object, this.expansions)) {
      this.judge(
        { object: resultant.object, oldObject: null, operation: "", source: "Generated", resultant },
        result,
        unjudged,
      );
    }
    result.allowed = !result.violations.some((v) => v.enforcementAction === "deny");
    if (result.allowed && unjudged.length > 0) {
      result.judged = false;
      result.notJudgedBy = unjudged;
    }
    if (this.install !== undefined) {
      const judging: JudgingConstraint[] = matched.map((c) => {
        const template = this.templatesByKind.get(c.kind)!;
        const hasVap = template.cel !== undefined && (template.generateVAP ?? this.install!.vapForTemplates);
        return { kind: c.kind, name: c.name, template: template.name, hasVap };
      });
      const subresource = request.subresource ?? "";
      result.enforcement = enforce(result, object, { operation, subresource }, judging, this.install, {
        ...kubectlCommandFor(object, request.file ?? "STDIN", subresource),
      });
      if (!result.allowed && result.enforcement.deniedBy === undefined) {
        result.allowed = true;
        result.notes.push(
          `Gatekeeper's policy denies ${result.object}, but neither its webhook nor a ValidatingAdmissionPolicy is called for this request (its namespace is exempt, or the webhook's rules leave its kind out), so the API server admits it`,
        );
      }
      // Rego is enforced by the webhook alone: where it is not called, Rego cannot deny.
      if (result.judged === false && !result.enforcement.points.some((p) => p.kind === "webhook")) {
        delete result.judged;
        delete result.notJudgedBy;
      }
    }
    return result;
  }

  /**
   * Judges one reviewed object; returns the constraints that selected it, and adds to `unjudged`
   * those whose deny it cannot evaluate.
   */
  private judge(review: Review, result: AdmissionResult, unjudged: NotJudgedBy[]): ParsedConstraint[] {
    const selected: ParsedConstraint[] = [];
    const namespace = this.namespaceOf(review.object);
    const prefix = review.resultant === undefined ? "" : `[Implied by ${review.resultant.templateName}] `;
    const note = (text: string): void => {
      if (!result.notes.includes(prefix + text)) result.notes.push(prefix + text);
    };
    for (const constraint of this.constraints) {
      if (!this.selects(constraint, review, namespace)) continue;
      selected.push(constraint);
      const template = this.templatesByKind.get(constraint.kind)!;
      // An ExpansionTemplate's enforcementAction, when set, overrides the constraint's.
      const enforcementAction = review.resultant?.enforcementAction ?? constraint.enforcementAction;
      const outcome =
        template.cel === undefined
          ? this.regoOutcome(constraint, template.name, review.object)
          : {
              why: undefined,
              ...template.cel.evaluate({
                object: review.object,
                oldObject: review.oldObject,
                constraint: constraint.object,
                namespaceObject: namespace ?? null,
                request: {
                  operation: review.operation,
                  kind: gvkOf(review.object),
                  name: nameOf(review.object),
                  namespace: namespaceOf(review.object),
                },
              }),
            };
      // A Rego-only template no real engine judged: its deny could change the verdict.
      if (outcome.why !== undefined) {
        const seen = unjudged.some((u) => u.constraint === constraint.id);
        if (enforcementAction === "deny" && !seen)
          unjudged.push({ constraint: constraint.id, template: template.name, why: outcome.why });
      }
      for (const message of outcome.messages) {
        result.violations.push({
          constraint: constraint.id,
          enforcementAction,
          message: prefix + message,
          ...(review.resultant === undefined ? {} : { impliedBy: review.resultant.templateName }),
        });
      }
      outcome.notes.forEach((n) => note(`${constraint.id}: ${n}`));
    }
    return selected;
  }

  /**
   * A Rego-only template's verdict, as the Rego engine judged it beforehand; when it did not, why
   * (also as a note).
   */
  private regoOutcome(
    constraint: ParsedConstraint,
    template: string,
    object: KubeObject,
  ): { messages: string[]; notes: string[]; why: string | undefined } {
    const messages = this.rego?.messages(constraint.id, object);
    const caveat = this.rego?.caveat(constraint.id);
    if (messages !== undefined) return { messages, notes: caveat === undefined ? [] : [caveat], why: undefined };
    const why =
      this.rego === undefined
        ? `no Rego engine was run; gator (${GATOR_INSTALL_URL}) or opa judges it`
        : (this.rego.notJudged ?? "the Rego engine was not given this object");
    return {
      messages: [],
      notes: [`template ${template} has only Rego and was not judged, so this object's verdict ignores it: ${why}`],
      why,
    };
  }

  /** Gatekeeper selects on the object or, on UPDATE, on the old object. */
  private selects(constraint: ParsedConstraint, review: Review, namespace: KubeObject | undefined): boolean {
    const candidates = review.oldObject === null ? [review.object] : [review.object, review.oldObject];
    try {
      return candidates.some((object) => matches(constraint.match, { object, namespace, source: review.source }));
    } catch (error) {
      if (!(error instanceof UnknownNamespaceError)) throw error;
      throw new AdmissionInputError(`${constraint.id} cannot judge ${objectKey(review.object)}: ${error.message}`);
    }
  }

  /** The Namespace of a namespaced object, if given; never set for a Namespace itself. */
  private namespaceOf(object: KubeObject): KubeObject | undefined {
    if (isNamespaceObject(object)) return undefined;
    const name = namespaceOf(object);
    return name === "" ? undefined : this.namespaces.get(name);
  }

  private addTemplates(templates: object[], problems: string[]): void {
    templates.forEach((raw, i) => {
      const template = collectProblems(problems, () => compileTemplate(raw, `templates[${i}]`));
      if (template === undefined) {
        this.failedKinds.add(declaredKind(raw));
        return;
      }
      if (this.templatesByKind.has(template.kind)) {
        problems.push(`ConstraintTemplate ${template.name}: kind ${template.kind} is defined twice`);
      }
      this.templatesByKind.set(template.kind, template);
    });
  }

  private addConstraints(constraints: object[], problems: string[]): void {
    constraints.forEach((raw, i) => {
      const constraint = parseConstraint(raw, `constraints[${i}]`, problems);
      if (constraint === undefined) return;
      if (this.constraints.some((c) => c.id === constraint.id)) problems.push(`${constraint.id}: defined twice`);
      if (!this.templatesByKind.has(constraint.kind) && !this.failedKinds.has(constraint.kind)) {
        problems.push(`${constraint.id}: no ConstraintTemplate among the templates defines kind ${constraint.kind}`);
      }
      this.constraints.push(constraint);
    });
  }

  private addExpansionTemplates(templates: object[], problems: string[]): void {
    templates.forEach((raw, i) => {
      const template = parseExpansionTemplate(raw, `expansionTemplates[${i}]`, problems);
      if (template === undefined) return;
      if (this.expansions.some((t) => t.name === template.name))
        problems.push(`ExpansionTemplate ${template.name}: defined twice`);
      this.expansions.push(template);
    });
    problems.push(...findExpansionCycles(this.expansions));
  }

  private addNamespaces(namespaces: object[], problems: string[]): void {
    namespaces.forEach((raw, i) => {
      const namespace = raw as KubeObject;
      if (!isRecord(raw) || !isNamespaceObject(namespace) || nameOf(namespace) === "") {
        problems.push(`namespaces[${i}]: must be a v1 Namespace with metadata.name`);
        return;
      }
      if (this.namespaces.has(nameOf(namespace))) problems.push(`Namespace ${nameOf(namespace)}: given twice`);
      this.namespaces.set(nameOf(namespace), namespace);
    });
  }
}

function reviewedObject(obj: object): KubeObject {
  if (!isRecord(obj) || gvkOf(obj).kind === "" || gvkOf(obj).version === "" || nameOf(obj) === "") {
    throw new AdmissionInputError("the reviewed object needs apiVersion, kind and metadata.name");
  }
  return obj;
}

function declaredKind(template: unknown): string {
  const crd = isRecord(template) && isRecord(template.spec) ? template.spec.crd : undefined;
  const names = isRecord(crd) && isRecord(crd.spec) ? crd.spec.names : undefined;
  return isRecord(names) && typeof names.kind === "string" ? names.kind : "";
}
