@tool
class_name SoundloomError
extends RefCounted
## A failed Soundloom call: the server's status and its field-named message.
##
## [member status] is the gRPC status name the gateway sends ([code]INVALID_ARGUMENT[/code],
## [code]NOT_FOUND[/code], [code]UNAVAILABLE[/code] ...) or [code]NETWORK[/code] when no answer
## came; [member message] is the server's message, e.g.
## [code]scene.duration_s must be > 0[/code].

## The gRPC status name, or NETWORK / CORRUPT / UNSUPPORTED for failures on this side.
var status: String = ""
## The server's message, naming the offending field.
var message: String = ""
## The HTTP status (0 when no answer came).
var http_status: int = 0
## The numeric gRPC code from the body (0 when none).
var code: int = 0


func _init(p_status: String = "", p_message: String = "", p_http: int = 0, p_code: int = 0) -> void:
	status = p_status
	message = p_message
	http_status = p_http
	code = p_code


## An error from a gateway answer: the JSON error body when there is one.
static func from_response(http: int, body: PackedByteArray) -> SoundloomError:
	var parsed: Variant = SoundloomError.parse_json(body.get_string_from_utf8())
	if parsed is Dictionary and parsed.get("error") is Dictionary:
		var error: Dictionary = parsed["error"]
		return SoundloomError.new(
			str(error.get("status", "UNKNOWN")),
			str(error.get("message", "")),
			http,
			int(error.get("code", 0))
		)
	var text := body.get_string_from_utf8().strip_edges().left(200)
	return SoundloomError.new("HTTP_%d" % http, text if text else "HTTP %d" % http, http)


## The value of a JSON text, or null when it is not JSON (quietly: no engine error is logged).
static func parse_json(text: String) -> Variant:
	var json := JSON.new()
	return json.data if json.parse(text) == OK else null


## Whether trying again later may succeed (unavailable, overloaded, no connection).
func is_retryable() -> bool:
	if http_status == 413:
		return false
	return (
		status in ["NETWORK", "UNAVAILABLE", "RESOURCE_EXHAUSTED"] or http_status in [502, 503, 504]
	)


## Whether the server could not be reached (no answer, or a proxy saying it is down).
func is_unreachable() -> bool:
	return status == "NETWORK" or http_status in [502, 503, 504] or status == "UNAVAILABLE"


func _to_string() -> String:
	return "%s: %s" % [status, message]
