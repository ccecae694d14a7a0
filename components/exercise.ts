import * as pulumi from "@pulumi/pulumi";
import { CustomResource } from "@pulumi/kubernetes/apiextensions";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1";
import { Provider } from "@pulumi/kubernetes/provider";
import { templateKind } from "../config/exercise";
import { TEMPLATE_WAIT_FOR } from "./allowed-repos";

/** A trainee's object, as config/exercise.ts has read and accepted it. */
type TraineeObject = Record<string, any>;

export interface TraineePoliciesArgs {
  provider: Provider;
  /** Gatekeeper's release: its CRDs and webhook must exist before any Gatekeeper object. */
  gatekeeper: pulumi.Resource;
  /** The lab's namespaces' names as outputs, so that each NetworkPolicy waits for its namespace. */
  namespaces: Record<string, pulumi.Output<string>>;
  /** The exercise's objects, in the order of its files. */
  objects: TraineeObject[];
}

/**
 * A trainee object's resource name under the component: by kind, namespace and name, lower case
 * (`lab-exercise-networkpolicy-data-default-deny-all`), never by file or position, so that moving
 * an object to another file, or reordering a file, replaces nothing.
 */
export function traineeResourceName(component: string, object: TraineeObject): string {
  const namespace: string | undefined = object.metadata.namespace;
  return [component, object.kind, ...(namespace ? [namespace] : []), object.metadata.name].join("-").toLowerCase();
}

/** The object as the CustomResource's arguments: every field as written. */
const asCustomResource = (object: TraineeObject) => ({ ...object, apiVersion: object.apiVersion, kind: object.kind });

/**
 * The trainee's own policies, in place of the lab's: NetworkPolicies as the lab's are, and
 * Gatekeeper's templates, constraints and ExpansionTemplates with the lab's dependencies. Every
 * Gatekeeper object waits for the release (its CRDs and webhook); a constraint also for its own
 * template's CRD, which the template signals with the lab's `pulumi.com/waitFor`
 * (TEMPLATE_WAIT_FOR). Nothing else waits, so a NetworkPolicy needs only its namespace.
 */
export class TraineePolicies extends pulumi.ComponentResource {
  readonly resources: pulumi.CustomResource[];

  constructor(name: string, args: TraineePoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-hardening-lab:index:TraineePolicies", name, {}, opts);
    const childOpts = { parent: this, provider: args.provider };
    const templates = new Map<string, CustomResource>();
    const resources: pulumi.CustomResource[] = [];
    // Templates first, so that each constraint finds its own, wherever the files put it.
    const ordered = [
      ...args.objects.filter((o) => o.kind === "ConstraintTemplate"),
      ...args.objects.filter((o) => o.kind !== "ConstraintTemplate"),
    ];
    for (const object of ordered) {
      const childName = traineeResourceName(name, object);
      if (object.kind === "NetworkPolicy") {
        resources.push(
          new NetworkPolicy(
            childName,
            {
              metadata: { ...object.metadata, namespace: args.namespaces[object.metadata.namespace] },
              spec: object.spec,
            },
            childOpts,
          ),
        );
      } else if (object.kind === "ConstraintTemplate") {
        const template = new CustomResource(
          childName,
          {
            ...asCustomResource(object),
            metadata: {
              ...object.metadata,
              annotations: { ...object.metadata.annotations, "pulumi.com/waitFor": TEMPLATE_WAIT_FOR },
            },
          },
          { ...childOpts, dependsOn: [args.gatekeeper] },
        );
        templates.set(templateKind(object), template);
        resources.push(template);
      } else if (object.kind === "ExpansionTemplate") {
        resources.push(
          new CustomResource(childName, asCustomResource(object), { ...childOpts, dependsOn: [args.gatekeeper] }),
        );
      } else {
        // A constraint: config/exercise.ts refused one whose template is not in the exercise.
        resources.push(
          new CustomResource(childName, asCustomResource(object), {
            ...childOpts,
            dependsOn: [templates.get(object.kind)!],
          }),
        );
      }
    }
    this.resources = resources;
    this.registerOutputs({});
  }
}
