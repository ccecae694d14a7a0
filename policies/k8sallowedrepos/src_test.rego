# Unit tests of src.rego: `opa test policies/ --ignore '*.yaml' -v`
# (--ignore: opa would otherwise load the sample YAML files as data, and the files of one
# sample folder collide there, e.g. on `kind`).
#
# The cases are those of suite.yaml's Rego-only tests, rendered into samples.generated.rego by
# scripts/gen-policy-data.ts, so this engine is held to the very messages the CEL engine is.
package k8sallowedrepos

import rego.v1

import data.k8sallowedrepos.samples

# Every case of suite.yaml, with its exact messages (sorted, since violations are a set).
# Counting the results makes a case whose evaluation is undefined fail instead of vanish.
test_every_suite_case_gives_exactly_its_expected_messages if {
	results := [result |
		some c in samples.cases
		result := {"case": c.id, "got": messages(c.input), "want": sort(c.violations)}
	]
	failures := [r | some r in results; r.got != r.want]
	print("suite cases that differ:", failures)
	count(results) == count(samples.cases)
	failures == []
}

# Guards against a generator that renders nothing: an empty suite would pass the test above.
test_suite_has_allowed_and_denied_cases if {
	count([c | some c in samples.cases; c.violations == []]) >= 4
	count([c | some c in samples.cases; c.violations != []]) >= 8
}

test_object_without_spec_has_no_violation if {
	messages({"review": {"object": {"kind": "Namespace", "metadata": {"name": "app"}}}, "parameters": {"repos": []}}) == []
}

test_several_repos_are_listed_in_order if {
	inp := {
		"review": {"object": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
		"parameters": {"repos": ["a/", "b:"]}
	}
	messages(inp) == [`container <c> has an invalid image repo <nginx>, allowed repos are ["a/", "b:"]`]
}

messages(inp) := sorted if {
	found := violation with input as inp
	sorted := sort([v.msg | some v in found])
}
