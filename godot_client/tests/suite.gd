extends Node
## The base of the test suites: checks that record failures instead of stopping.

## The runner (set before the suite enters the tree).
var runner: Node


## A client on the harness origin (the proxied gateway) with the test token.
func make_client(with_token: bool = true) -> SoundloomClient:
	var client := SoundloomClient.new()
	client.base_url = runner.origin
	client.token = str(runner.config.get("token", "")) if with_token else ""
	client.max_retries = 1
	client.backoff_s = 0.1
	client.cache = SoundloomCache.new("user://soundloom-tests")
	add_child(client)
	return client


## Fail the running test with [param message] unless [param condition].
func check(condition: bool, message: String) -> bool:
	if not condition:
		runner.fail(message)
	return condition


## Fail unless [param actual] == [param expected].
func check_eq(actual: Variant, expected: Variant, what: String) -> bool:
	return check(actual == expected, "%s: expected %s, got %s" % [what, expected, actual])


## Fail unless |actual - expected| <= tolerance.
func check_near(actual: float, expected: float, tolerance: float, what: String) -> bool:
	var close := absf(actual - expected) <= tolerance
	return check(close, "%s: expected %s ± %s, got %s" % [what, expected, tolerance, actual])


## The one-shot the client and offline suites both ask for.
func door_options() -> Dictionary:
	return {"duration": 1.0, "kind": "sfx", "seed": 42, "loudness": "mobile"}
