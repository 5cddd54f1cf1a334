extends Node
## Runs the suites in order and prints PASS/FAIL per test; quits with the number of failures.
##
## The harness (ci/harness.py) counts the lines and fails the run on any engine error.

const SUITES: Array[String] = [
	"res://tests/test_unit.gd",
	"res://tests/test_client.gd",
	"res://tests/test_bank.gd",
	"res://tests/test_dock.gd",
	"res://tests/test_offline.gd",  # stops the server: last
]

## What the harness serves at /__config (gateway URL, token, bank path).
var config: Dictionary = {}
## The page's origin: the harness, which proxies the gateway.
var origin: String = ""

var _failures: PackedStringArray = []


func _ready() -> void:
	origin = str(JavaScriptBridge.eval("window.location.origin")) if OS.has_feature("web") else ""
	config = await _fetch_config()
	var failed := 0
	for path in SUITES:
		var script: GDScript = load(path)
		if script == null or not script.can_instantiate():
			failed += 1
			print("FAIL %s: the suite does not load" % path)
			continue
		var suite: Node = script.new()
		suite.set("runner", self)
		add_child(suite)
		for test: String in suite.call("tests"):
			_failures = []
			var started := Time.get_ticks_msec()
			await Callable(suite, test).call()
			var took := "(%d ms)" % (Time.get_ticks_msec() - started)
			if _failures.is_empty():
				print("PASS %s %s" % [test, took])
			else:
				failed += 1
				print("FAIL %s %s: %s" % [test, took, "; ".join(_failures)])
		suite.queue_free()
	get_tree().quit(failed)


## Record a failed check of the running test.
func fail(message: String) -> void:
	_failures.append(message)


func _fetch_config() -> Dictionary:
	var http := HTTPRequest.new()
	add_child(http)
	http.request(origin + "/__config")
	var result: Array = await http.request_completed
	http.queue_free()
	var parsed: Variant = JSON.parse_string(result[3].get_string_from_utf8())
	return parsed if parsed is Dictionary else {}
