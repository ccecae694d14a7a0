# METADATA
# title: Allowed image repositories
# description: >-
#   Every container image (containers, initContainers and ephemeralContainers) must begin
#   with one of the prefixes in input.parameters.repos. The lab article's rule looked at
#   containers and initContainers only; `kubectl debug` adds ephemeralContainers, so they
#   are checked too.
package k8sallowedrepos

# Rego v1 without `import rego.v1`: Gatekeeper refuses that import ("bad import"; a template may
# import only data.lib.* and future.*), and reads this source as v1 because the template ships it
# in a code block with `version: "v1"` (Gatekeeper 3.19 and later). OPA 1.x reads v1 by default,
# so `opa test` runs the same text.

# One violation per reviewed object, listing every bad container joined by "; ".
# The CEL twin of this rule (src.cel.yaml) can return only one message per validation,
# and Gatekeeper evaluates the CEL when a template carries both engines, so both engines
# must word the result identically: a single-container violation reads exactly like the
# article's message, several bad containers are joined in container order.
violation contains {"msg": msg} if {
	count(bad_container_messages) > 0
	msg := concat("; ", bad_container_messages)
}

bad_container_messages := [msg |
	some container in all_containers
	not image_allowed(container)
	msg := container_message(container)
]

# containers, then initContainers, then ephemeralContainers, each in list order; an absent
# list counts as empty (a Pod usually has no initContainers field at all).
all_containers := array.concat(
	array.concat(spec_list("containers"), spec_list("initContainers")),
	spec_list("ephemeralContainers")
)

spec_list(field) := items if {
	items := object.get(input.review.object, ["spec", field], [])
}

# A constraint without parameters (or without repos) allows nothing, like an empty list.
repos := object.get(input, ["parameters", "repos"], [])

image_allowed(container) if {
	some repo in repos
	startswith(image_of(container), repo)
}

image_of(container) := image if {
	image := object.get(container, "image", "")
}

# Built with concat rather than sprintf("%v") so that the text does not depend on how OPA
# prints an array: CEL has no such printer, and both engines must agree byte for byte.
container_message(container) := msg if {
	msg := concat("", [
		"container <", object.get(container, "name", ""),
		"> has an invalid image repo <", image_of(container),
		">, allowed repos are ", repos_text
	])
}

repos_text := text if {
	quoted := [q | some repo in repos; q := concat("", ["\"", repo, "\""])]
	text := concat("", ["[", concat(", ", quoted), "]"])
}
