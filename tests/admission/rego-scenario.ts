/**
 * The runs the Rego runner's protocol tests replay. Each was run once through the real engines,
 * and what they printed is kept in tests/fixtures/rego/ (see its README): the stand-ins print it
 * back, and the tests check that the runner wrote exactly the input those engines answered.
 */
import { pod, type Obj } from "./fixtures";

/** A Rego-only template in a v1 code block: one violation per banned container, with details. */
export const BANNED_IMAGES_TEMPLATE: Obj = {
  apiVersion: "templates.gatekeeper.sh/v1",
  kind: "ConstraintTemplate",
  metadata: { name: "k8sbannedimages" },
  spec: {
    crd: {
      spec: {
        names: { kind: "K8sBannedImages" },
        validation: {
          openAPIV3Schema: { type: "object", properties: { images: { type: "array", items: { type: "string" } } } },
        },
      },
    },
    targets: [
      {
        target: "admission.k8s.gatekeeper.sh",
        code: [
          {
            engine: "Rego",
            source: {
              version: "v1",
              rego: [
                "package k8sbannedimages",
                "",
                'violation contains {"msg": msg, "details": {"image": image}} if {',
                "\tsome container in input.review.object.spec.containers",
                "\timage := container.image",
                "\tsome banned in input.parameters.images",
                "\tstartswith(image, banned)",
                '\tmsg := sprintf("container <%v> uses the banned image <%v>", [container.name, image])',
                "}",
                "",
              ].join("\n"),
            },
          },
        ],
      },
    ],
  },
};

/** BANNED_IMAGES_TEMPLATE with a referential rule besides, which reads data.inventory. */
export const BANNED_IMAGES_INVENTORY_TEMPLATE: Obj = structuredClone(BANNED_IMAGES_TEMPLATE);
(BANNED_IMAGES_INVENTORY_TEMPLATE as any).spec.targets[0].code[0].source.rego +=
  '\n# Referential: any other Pod of the same name.\nsame_name contains other if {\n\tsome other in data.inventory.namespace[_]["v1"].Pod\n}\n';

/** The same rule in the legacy `rego` field, which Gatekeeper reads as Rego v0. */
export const BANNED_IMAGES_V0_TEMPLATE: Obj = {
  apiVersion: "templates.gatekeeper.sh/v1",
  kind: "ConstraintTemplate",
  metadata: { name: "k8sbannedimagesv0" },
  spec: {
    crd: { spec: { names: { kind: "K8sBannedImagesV0" } } },
    targets: [
      {
        target: "admission.k8s.gatekeeper.sh",
        rego: [
          "package k8sbannedimagesv0",
          "",
          'violation[{"msg": msg}] {',
          "\tcontainer := input.review.object.spec.containers[_]",
          '\tstartswith(container.image, "busybox")',
          '\tmsg := sprintf("container <%v> is busybox", [container.name])',
          "}",
          "",
        ].join("\n"),
      },
    ],
  },
};

export function bannedImages(name: string, images?: string[]): Obj {
  return {
    apiVersion: "constraints.gatekeeper.sh/v1beta1",
    kind: "K8sBannedImages",
    metadata: { name },
    spec: {
      // Matching is the admission engine's: the runner leaves it out of what gator sees.
      match: { kinds: [{ apiGroups: [""], kinds: ["Pod"] }], namespaces: ["app"] },
      ...(images === undefined ? {} : { parameters: { images } }),
    },
  };
}

export const BANNED_APP = bannedImages("banned-app", ["nginx", "busybox"]);
export const BANNED_NOTHING = bannedImages("banned-nothing");
export const BUSYBOX_V0: Obj = {
  apiVersion: "constraints.gatekeeper.sh/v1beta1",
  kind: "K8sBannedImagesV0",
  metadata: { name: "no-busybox" },
};

export const NGINX_AND_BUSYBOX = pod("app", "nginx", [
  { name: "web", image: "nginx:1.27" },
  { name: "fetch", image: "busybox:1.36" },
]);
export const PHPMYADMIN = pod("app", "phpmyadmin", [
  { name: "phpmyadmin", image: "docker.io/library/phpmyadmin:5.2.3" },
]);
export const BUSYBOX = pod("data", "busybox", [{ name: "busybox", image: "busybox" }]);

/** The run of tests/fixtures/rego/gator-test.* and opa-eval.*: one template, two constraints, three pods. */
export const RUN = {
  templates: [BANNED_IMAGES_TEMPLATE],
  constraints: [BANNED_APP, BANNED_NOTHING],
  objects: [NGINX_AND_BUSYBOX, PHPMYADMIN, BUSYBOX],
};

/** The run of tests/fixtures/rego/opa-eval-v0.*: the legacy field, read as Rego v0. */
export const V0_RUN = { templates: [BANNED_IMAGES_V0_TEMPLATE], constraints: [BUSYBOX_V0], objects: [BUSYBOX] };
