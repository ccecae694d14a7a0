/**
 * What each stage of the lab must prove: the connectivity and admission tables of the product
 * specification (docs/lab.md, whose tables `npm run docs` writes from this file), as data. Where
 * the course material sits beside the repository, tests/claims-spec.test.ts also reads its LAB.md
 * and fails when the two part ways.
 */
import { STAGES, Stage } from "../../config/keys";
import { IMAGES } from "../../config/images";
import type { Protocol } from "../netpol";

type PerStage<T> = Record<Stage, T>;

/** A = allowed, D = denied, per stage in the order of STAGES. */
function perStage<T>(pattern: string, yes: T, no: T): PerStage<T> {
  const cells = pattern.split(" ");
  if (cells.length !== STAGES.length) throw new Error(`a claim needs ${STAGES.length} cells: ${pattern}`);
  return Object.fromEntries(STAGES.map((stage, i) => [stage, cells[i] === "A" ? yes : no])) as PerStage<T>;
}

export interface ConnectivityClaim {
  /** The row as the specification writes it. */
  flow: string;
  /** `NS/NAME` of a pod, or `external:NAME`. */
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  expected: PerStage<boolean>;
}

/** The port a flow "to the internet" is judged on: HTTPS, what a compromised pod would use. */
export const INTERNET_PORT = 443;

export const CONNECTIVITY_CLAIMS: ConnectivityClaim[] = [
  {
    flow: "phpmyadmin → mysql:3306/TCP",
    from: "app/phpmyadmin",
    to: "data/mysql",
    port: 3306,
    protocol: "TCP",
    expected: perStage("A D A A A", true, false),
  },
  {
    flow: "intruder → mysql:3306/TCP",
    from: "app/intruder",
    to: "data/mysql",
    port: 3306,
    protocol: "TCP",
    expected: perStage("A D D D D", true, false),
  },
  {
    flow: "outsider → mysql:3306/TCP",
    from: "default/outsider",
    to: "data/mysql",
    port: 3306,
    protocol: "TCP",
    expected: perStage("A D D D D", true, false),
  },
  {
    flow: "mysql → kube-dns:53/UDP",
    from: "data/mysql",
    to: "kube-system/kube-dns",
    port: 53,
    protocol: "UDP",
    expected: perStage("A D D D D", true, false),
  },
  {
    flow: "mysql → internet",
    from: "data/mysql",
    to: "external:internet",
    port: INTERNET_PORT,
    protocol: "TCP",
    expected: perStage("A D D D D", true, false),
  },
  {
    flow: "phpmyadmin → kube-dns:53/UDP",
    from: "app/phpmyadmin",
    to: "kube-system/kube-dns",
    port: 53,
    protocol: "UDP",
    expected: perStage("A A A A A", true, false),
  },
  {
    flow: "phpmyadmin → internet",
    from: "app/phpmyadmin",
    to: "external:internet",
    port: INTERNET_PORT,
    protocol: "TCP",
    expected: perStage("A A A A D", true, false),
  },
  {
    flow: "intruder → phpmyadmin:80/TCP",
    from: "app/intruder",
    to: "app/phpmyadmin",
    port: 80,
    protocol: "TCP",
    expected: perStage("A A A A D", true, false),
  },
  {
    flow: "outsider → phpmyadmin:80/TCP",
    from: "default/outsider",
    to: "app/phpmyadmin",
    port: 80,
    protocol: "TCP",
    expected: perStage("A A A A D", true, false),
  },
];

/**
 * With a load balancer, in the stage zero-trust: a client inside the allowed source ranges
 * reaches phpMyAdmin:80 and a client outside them does not.
 */
export const LOAD_BALANCER_CLAIMS: ConnectivityClaim[] = [
  {
    flow: "allowed source → phpmyadmin:80/TCP",
    from: "external:allowed-source",
    to: "app/phpmyadmin",
    port: 80,
    protocol: "TCP",
    expected: perStage("- - - - A", true, false),
  },
  {
    flow: "disallowed source → phpmyadmin:80/TCP",
    from: "external:disallowed-source",
    to: "app/phpmyadmin",
    port: 80,
    protocol: "TCP",
    expected: perStage("- - - - D", false, false),
  },
];
/** The stages in which LOAD_BALANCER_CLAIMS are claimed at all. */
export const LOAD_BALANCER_CLAIM_STAGES: readonly Stage[] = ["zero-trust"];

/**
 * One request a claim is judged by: the object created, or, for `update`, an existing object
 * changed through a subresource (as `kubectl debug` adds an ephemeral container: the API server
 * refuses ephemeral containers in a Pod's create, so they only ever arrive this way).
 */
export interface AdmissionProbe {
  object: Record<string, unknown>;
  update?: { subresource: "ephemeralcontainers"; oldObject: Record<string, unknown> };
}

export interface AdmissionClaim {
  /** The row as the specification writes it. */
  object: string;
  /** The requests judged for this row (the lab's own workloads for the last row). */
  probes: "lab-workloads" | AdmissionProbe[];
  /** Admitted before the stage allowed-repos, and from it on. */
  expected: PerStage<boolean>;
  /** Texts a denial message must contain, when denied (the container and the image it names). */
  messageNames?: string[];
}

const pod = (namespace: string, name: string, spec: Record<string, unknown>) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace, labels: { run: name } },
  spec,
});
const create = (object: Record<string, unknown>): AdmissionProbe => ({ object });

export const ADMISSION_CLAIMS: AdmissionClaim[] = [
  {
    object: "Pod `app/nginx`, image `nginx` (the article's test)",
    probes: [create(pod("app", "nginx", { containers: [{ name: "nginx", image: "nginx" }] }))],
    expected: perStage("A A A D D", true, false),
    messageNames: ["container <nginx>", "image repo <nginx>"],
  },
  {
    object: "Pod `app/phpmyadmin`, the lab's phpMyAdmin image",
    probes: [create(pod("app", "phpmyadmin", { containers: [{ name: "phpmyadmin", image: IMAGES.phpmyadmin }] }))],
    expected: perStage("A A A A A", true, false),
  },
  {
    object: "Pod `data/busybox`, image `busybox`",
    // `data` enforces Pod Security `restricted`, which the API server checks before Gatekeeper:
    // a bare `kubectl run busybox -n data --image=busybox` is refused there at every stage. The
    // probe is a Pod that `restricted` admits, so that what is judged is its image alone.
    probes: [
      create(
        pod("data", "busybox", {
          securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "busybox",
              image: "busybox",
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
          ],
        }),
      ),
    ],
    expected: perStage("A A A D D", true, false),
  },
  {
    object: "Deployment in `app` whose pod template uses `nginx`",
    probes: [
      create({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "nginx", namespace: "app", labels: { app: "nginx" } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: "nginx" } },
          template: {
            metadata: { labels: { app: "nginx" } },
            spec: { containers: [{ name: "nginx", image: "nginx" }] },
          },
        },
      }),
    ],
    expected: perStage("A A A D D", true, false),
  },
  {
    object: "Pod in `app` with an allowed container but an `initContainer` or `ephemeralContainer` image `busybox`",
    probes: [
      create(
        pod("app", "init-busybox", {
          initContainers: [{ name: "setup", image: "busybox" }],
          containers: [{ name: "phpmyadmin", image: IMAGES.phpmyadmin }],
        }),
      ),
      {
        object: pod("app", "ephemeral-busybox", {
          containers: [{ name: "phpmyadmin", image: IMAGES.phpmyadmin }],
          ephemeralContainers: [{ name: "debugger", image: "busybox" }],
        }),
        update: {
          subresource: "ephemeralcontainers",
          oldObject: pod("app", "ephemeral-busybox", {
            containers: [{ name: "phpmyadmin", image: IMAGES.phpmyadmin }],
          }),
        },
      },
    ],
    expected: perStage("A A A D D", true, false),
  },
  {
    object: "Pod `default/nginx` (namespace not constrained)",
    probes: [create(pod("default", "nginx", { containers: [{ name: "nginx", image: "nginx" }] }))],
    expected: perStage("A A A A A", true, false),
  },
  {
    object: "The lab's own workloads",
    probes: "lab-workloads",
    expected: perStage("A A A A A", true, false),
  },
];
