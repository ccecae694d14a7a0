import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Namespace, Secret, Service } from "@pulumi/kubernetes/core/v1";
import { Deployment, StatefulSet } from "@pulumi/kubernetes/apps/v1";
import { Provider } from "@pulumi/kubernetes/provider";
import { APP_NAMESPACE, DATA_NAMESPACE } from "../config/keys";
import { IMAGES } from "../config/images";

export { APP_NAMESPACE, DATA_NAMESPACE };
/** The namespaces' own labels, which the article's policy selects `app` by. */
export const APP_NAMESPACE_LABELS = { tier: "app" } as const;
export const DATA_NAMESPACE_LABELS = { tier: "data" } as const;
export const PHPMYADMIN_LABELS = { app: "phpmyadmin", tier: "app" } as const;
export const MYSQL_LABELS = { app: "mysql", tier: "data" } as const;
export const MYSQL_HOST = `mysql.${DATA_NAMESPACE}.svc.cluster.local`;
/** phpMyAdmin's container memory limit, and PHP's per-request limit inside it (half of it). */
export const PHPMYADMIN_MEMORY_LIMIT = "512Mi";
export const PHPMYADMIN_PHP_MEMORY_LIMIT = "256M";

export type Exposure = { mode: "port-forward" } | { mode: "loadbalancer"; allowedSourceRanges: string[] };

export interface TwoTierAppArgs {
  provider: Provider;
  /** How trainees reach phpMyAdmin. */
  exposure: Exposure;
  /** The MySQL root password, a secret. Defaults to a generated one. */
  mysqlRootPassword?: pulumi.Output<string>;
}

/**
 * Pod Security Standards labels. Enforce the strictest level the official image runs under,
 * and warn and audit at `restricted`, so trainees see what a stricter namespace would refuse.
 */
export function podSecurityLabels(enforce: "baseline" | "restricted"): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": enforce,
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": "latest",
  };
}

/** The hardening every container of the lab gets, whatever its image. */
const RUNTIME_DEFAULT_SECCOMP = { seccompProfile: { type: "RuntimeDefault" } };

/**
 * The article's two-tier application: phpMyAdmin in `app`, MySQL in `data`.
 */
export class TwoTierApp extends pulumi.ComponentResource {
  readonly appNamespace: Namespace;
  readonly dataNamespace: Namespace;
  readonly mysqlRootPassword: pulumi.Output<string>;
  readonly phpMyAdminService: Service;
  /** How to reach phpMyAdmin: the port-forward command, or the load balancer's address. */
  readonly phpMyAdminAccess: pulumi.Output<string>;

  constructor(name: string, args: TwoTierAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-hardening-lab:index:TwoTierApp", name, {}, opts);
    const childOpts = { parent: this, provider: args.provider };

    this.appNamespace = new Namespace(
      `${name}-app-ns`,
      // The official phpMyAdmin image starts Apache as root (it binds port 80, then drops to
      // www-data), so `app` can enforce `baseline`, not `restricted`.
      { metadata: { name: APP_NAMESPACE, labels: { ...APP_NAMESPACE_LABELS, ...podSecurityLabels("baseline") } } },
      childOpts,
    );
    this.dataNamespace = new Namespace(
      `${name}-data-ns`,
      // The official MySQL image runs as its `mysql` user (uid 999) when started as that user.
      { metadata: { name: DATA_NAMESPACE, labels: { ...DATA_NAMESPACE_LABELS, ...podSecurityLabels("restricted") } } },
      childOpts,
    );

    this.mysqlRootPassword = pulumi.secret(
      args.mysqlRootPassword ??
        new random.RandomPassword(`${name}-mysql-root-password`, { length: 24, special: false }, { parent: this })
          .result,
    );
    const rootSecret = new Secret(
      `${name}-mysql-root`,
      {
        metadata: { name: "mysql-root", namespace: this.dataNamespace.metadata.name, labels: { ...MYSQL_LABELS } },
        type: "Opaque",
        stringData: { password: this.mysqlRootPassword },
      },
      childOpts,
    );

    const mysql = new StatefulSet(
      `${name}-mysql`,
      {
        metadata: { name: "mysql", namespace: this.dataNamespace.metadata.name, labels: { ...MYSQL_LABELS } },
        spec: mysqlSpec(rootSecret.metadata.name),
      },
      childOpts,
    );
    new Service(
      `${name}-mysql-svc`,
      {
        metadata: { name: "mysql", namespace: this.dataNamespace.metadata.name, labels: { ...MYSQL_LABELS } },
        spec: {
          type: "ClusterIP",
          selector: { ...MYSQL_LABELS },
          ports: [{ name: "mysql", port: 3306, targetPort: "mysql", protocol: "TCP" }],
        },
      },
      { ...childOpts, dependsOn: [mysql] },
    );

    new Deployment(
      `${name}-phpmyadmin`,
      {
        metadata: { name: "phpmyadmin", namespace: this.appNamespace.metadata.name, labels: { ...PHPMYADMIN_LABELS } },
        spec: phpMyAdminSpec(),
      },
      childOpts,
    );
    this.phpMyAdminService = new Service(
      `${name}-phpmyadmin-svc`,
      {
        metadata: { name: "phpmyadmin", namespace: this.appNamespace.metadata.name, labels: { ...PHPMYADMIN_LABELS } },
        spec: phpMyAdminServiceSpec(args.exposure),
      },
      childOpts,
    );
    this.phpMyAdminAccess =
      args.exposure.mode === "loadbalancer"
        ? this.phpMyAdminService.status.loadBalancer.ingress.apply((ingress) => {
            const address = ingress?.[0]?.ip ?? ingress?.[0]?.hostname;
            return address ? `http://${address}` : "the load balancer has no address yet";
          })
        : pulumi.output(
            `kubectl port-forward -n ${APP_NAMESPACE} svc/phpmyadmin 8080:80, then open http://localhost:8080`,
          );

    this.registerOutputs({ mysqlRootPassword: this.mysqlRootPassword, phpMyAdminAccess: this.phpMyAdminAccess });
  }
}

/** MySQL as a single-replica StatefulSet with a persistent volume. */
export function mysqlSpec(rootSecretName: pulumi.Input<string>) {
  return {
    serviceName: "mysql",
    replicas: 1,
    selector: { matchLabels: { ...MYSQL_LABELS } },
    template: {
      metadata: { labels: { ...MYSQL_LABELS } },
      spec: {
        // MySQL never talks to the Kubernetes API.
        automountServiceAccountToken: false,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 999,
          runAsGroup: 999,
          // Makes the volume writable by the mysql user. This relies on a storage class whose CSI
          // driver applies fsGroup (AKS's default Azure Disk class does: its CSIDriver declares
          // fsGroupPolicy File); with one that does not, the datadir below stays root's and MySQL
          // cannot initialise.
          fsGroup: 999,
          ...RUNTIME_DEFAULT_SECCOMP,
        },
        containers: [
          {
            name: "mysql",
            image: IMAGES.mysql,
            // A fresh ext4 disk holds lost+found, which MySQL refuses in a new data directory, so
            // the data lives one level down. Not a subPath: kubelet creates those owned by root,
            // where the mysql user could not write; the entrypoint creates this one itself, in the
            // volume that fsGroup makes writable.
            args: ["--datadir=/var/lib/mysql/data"],
            env: [
              { name: "MYSQL_ROOT_PASSWORD", valueFrom: { secretKeyRef: { name: rootSecretName, key: "password" } } },
            ],
            ports: [{ name: "mysql", containerPort: 3306, protocol: "TCP" }],
            // A TCP probe: the entrypoint's temporary server during initialisation does not
            // listen on the network, so this turns ready only once the real server runs.
            readinessProbe: { tcpSocket: { port: "mysql" }, initialDelaySeconds: 10, periodSeconds: 5 },
            resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } },
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ["ALL"] },
            },
            volumeMounts: [
              { name: "data", mountPath: "/var/lib/mysql" },
              { name: "run", mountPath: "/var/run/mysqld" },
              { name: "tmp", mountPath: "/tmp" },
            ],
          },
        ],
        volumes: [
          { name: "run", emptyDir: {} },
          { name: "tmp", emptyDir: {} },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: "data" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "8Gi" } } },
      },
    ],
  };
}

/** phpMyAdmin, pointed at MySQL's Service; trainees sign in with the root password output. */
export function phpMyAdminSpec() {
  return {
    replicas: 1,
    selector: { matchLabels: { ...PHPMYADMIN_LABELS } },
    template: {
      metadata: { labels: { ...PHPMYADMIN_LABELS } },
      spec: {
        automountServiceAccountToken: false,
        securityContext: { ...RUNTIME_DEFAULT_SECCOMP },
        containers: [
          {
            name: "phpmyadmin",
            image: IMAGES.phpmyadmin,
            env: [
              { name: "PMA_HOST", value: MYSQL_HOST },
              { name: "PMA_PORT", value: "3306" },
              // The image sets PHP's memory_limit to 512M, the container's whole limit: one large
              // import would get the pod OOM-killed instead of failing the request. Half the limit
              // leaves room for Apache and a second request.
              { name: "MEMORY_LIMIT", value: PHPMYADMIN_PHP_MEMORY_LIMIT },
            ],
            ports: [{ name: "http", containerPort: 80, protocol: "TCP" }],
            readinessProbe: { httpGet: { path: "/", port: "http" }, initialDelaySeconds: 5, periodSeconds: 5 },
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: PHPMYADMIN_MEMORY_LIMIT } },
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: {
                drop: ["ALL"],
                // What Apache's root parent needs, all within `baseline`: bind port 80, switch
                // to www-data and signal its www-data children; and the entrypoint's file set-up
                // (chown of its session and upload folders, writing config as root into
                // www-data's files). Nothing it runs changes a file's mode as a non-owner, so no
                // FOWNER.
                add: ["NET_BIND_SERVICE", "SETUID", "SETGID", "KILL", "CHOWN", "DAC_OVERRIDE"],
              },
            },
          },
        ],
      },
    },
  };
}

/** ClusterIP for port-forward; a source-restricted public load balancer otherwise. */
export function phpMyAdminServiceSpec(exposure: Exposure) {
  const ports = [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }];
  if (exposure.mode === "port-forward") return { type: "ClusterIP", selector: { ...PHPMYADMIN_LABELS }, ports };
  return {
    type: "LoadBalancer",
    selector: { ...PHPMYADMIN_LABELS },
    ports,
    // The cloud load balancer drops other sources before they reach a node.
    loadBalancerSourceRanges: [...exposure.allowedSourceRanges],
    // Keeps the client's address (no SNAT to a node), so the stage zero-trust NetworkPolicy can
    // admit the allowed ranges by ipBlock.
    externalTrafficPolicy: "Local",
  };
}
