@tool
class_name SoundloomClient
extends Node
## A Soundloom client for games and tools, over the server's HTTP/JSON gateway.
##
## Add it to the tree (or as an autoload), then:
## [codeblock]
## var asset := await client.generate("rain on a tin roof", {"duration": 20, "kind": "ambience"})
## var stream := await client.load_stream(asset)   # AudioStreamOggVorbis, looping
## [/codeblock]
## Every request has a timeout; UNAVAILABLE, 429 and lost connections are retried with
## exponential backoff that honours [code]Retry-After[/code]. Failures return null (or an empty
## result) and leave the server's field-named message in [member last_error]. Downloads are
## checked against their sha256 and kept in [member cache]; when the server cannot be reached,
## a request that was answered before is served from the cache.

## Progress of a render followed with [code]{"progress": true}[/code]: the stage
## ("plan", "render", "mix", "master", "package", "encode"), the fraction of it done, and a detail.
signal progress(stage: String, fraction: float, message: String)

## Format names to the proto's enum names.
const FORMATS := {"wav": "AUDIO_FORMAT_WAV", "ogg": "AUDIO_FORMAT_OGG", "flac": "AUDIO_FORMAT_FLAC"}
## The loudness presets the server knows.
const LOUDNESS_PRESETS: Array[String] = ["console", "mobile", "broadcast", "streaming"]
## Options passed through as numbers.
const INT_OPTIONS: Array[String] = ["sample_rate", "channels", "bit_depth"]

## The gateway, e.g. [code]http://127.0.0.1:8080[/code]. Empty in a web export: the page's origin.
@export var base_url: String = "http://127.0.0.1:8080"
## Sent as [code]Authorization: Bearer <token>[/code] when set.
@export var token: String = ""
## Seconds any request may take (downloads, plans, health checks).
@export var timeout_s: float = 30.0
## Seconds a render may take; sent as [code]X-Request-Timeout[/code].
@export var render_timeout_s: float = 300.0
## Retries after the first try, for retryable failures.
@export var max_retries: int = 3
## The first retry's delay; each later one doubles (with jitter), up to [member max_backoff_s].
@export var backoff_s: float = 0.5
## The longest delay between retries, [code]Retry-After[/code] included.
@export var max_backoff_s: float = 30.0

## The local cache (content-addressed, sha256-checked, size-capped).
var cache: SoundloomCache = SoundloomCache.new()
## What went wrong in the last call; null after a success.
var last_error: SoundloomError = null
## The HTTP status of the last answer (0 when none came).
var last_status: int = 0


## The GenerateSceneRequest JSON for a description and options:
## [code]duration[/code] (s), [code]kind[/code] ("ambience" loops as OGG, "sfx" is a WAV
## one-shot), [code]seed[/code], [code]loudness[/code] (a preset name or a LUFS number),
## [code]loop[/code], [code]format[/code] ("wav", "ogg", "flac"), [code]style[/code],
## [code]environment[/code], [code]sample_rate[/code], [code]channels[/code],
## [code]bit_depth[/code], [code]planner[/code], [code]renderer[/code].
static func build_request(description: String, options: Dictionary = {}) -> Dictionary:
	var kind := str(options.get("kind", "sfx"))
	var scene := {"description": description}
	if options.has("duration"):
		scene["duration_s"] = float(options["duration"])
	for key: String in ["style", "environment"]:
		if options.has(key):
			scene[key] = str(options[key])
	var render := {}
	var format := str(options.get("format", "ogg" if kind == "ambience" else "wav"))
	render["format"] = FORMATS.get(format, format)
	render["loop"] = bool(options.get("loop", kind == "ambience"))
	if options.has("seed"):
		render["seed"] = str(int(options["seed"]))  # uint64: a string in proto3 JSON
	var loudness: Variant = options.get("loudness")
	if loudness is String:
		render["preset"] = loudness
	elif loudness is float or loudness is int:
		render["target_lufs"] = float(loudness)
	for key: String in INT_OPTIONS:
		if options.has(key):
			render[key] = int(options[key])
	for key: String in ["planner", "renderer"]:
		if options.has(key):
			render[key] = str(options[key])
	return {"scene": scene, "options": render}


## Generate (or fetch from the server's store) a sound; null on failure (see
## [member last_error]). With [code]{"progress": true}[/code] the render's stages are followed
## over [code]POST /v1/generate/stream[/code] and emitted as [signal progress].
func generate(description: String, options: Dictionary = {}) -> SoundloomAsset:
	var body := build_request(description, options)
	return await generate_request(body, bool(options.get("progress", false)))


## [method generate] for a GenerateSceneRequest body already built (a scene or a plan).
func generate_request(body: Dictionary, follow_progress: bool = false) -> SoundloomAsset:
	last_error = null
	var key := SoundloomCache.request_key(body, _base())
	var answer: Dictionary = {}
	if follow_progress:
		answer = await _generate_streamed(JSON.stringify(body).to_utf8_buffer())
	else:
		var response := await _request(
			HTTPClient.METHOD_POST,
			"/v1/generate",
			JSON.stringify(body).to_utf8_buffer(),
			_render_headers(),
			render_timeout_s + 5.0
		)
		if response["ok"]:
			answer = _json(response["body"])
		else:
			last_error = response["error"]
	if not answer.has("asset"):
		if last_error == null:
			last_error = SoundloomError.new("UNKNOWN", "the gateway's answer had no asset")
		if last_error.is_unreachable():
			var cached := cache.asset_for_request(key)
			if cached != null and cache.has_asset(cached.asset_id):
				cached.offline = true
				return cached
		return null
	var asset := SoundloomAsset.from_json(answer["asset"], answer.get("plan", {}))
	asset.cache_hit = bool(answer.get("done", {}).get("cache_hit", false))
	cache.put_asset(asset, key)
	return asset


## The bytes of one of the asset's files (the main file by default), sha256-checked and cached.
## A cached file is used as is while fresh, else revalidated ([code]If-None-Match[/code]: a 304
## keeps it); [param revalidate] forces that check. Empty on failure (see [member last_error]).
func fetch(
	asset: SoundloomAsset, file_name: String = "", revalidate: bool = false
) -> PackedByteArray:
	last_error = null
	var entry := asset.file_named(file_name) if file_name else asset.main_file()
	if entry.is_empty():
		last_error = SoundloomError.new(
			"NOT_FOUND", "file_name %s is not a file of asset %s" % [file_name, asset.asset_id]
		)
		return PackedByteArray()
	var file: String = entry["name"]
	var sha256 := str(entry.get("sha256", ""))
	var cached := cache.read_file(asset.asset_id, file, sha256)
	if not cached.is_empty() and not revalidate and cache.is_fresh(asset.asset_id, file):
		return cached
	return await _download(asset, file, sha256, cached)


func _download(
	asset: SoundloomAsset, file: String, sha256: String, cached: PackedByteArray
) -> PackedByteArray:
	var headers := PackedStringArray()
	if not cached.is_empty() and sha256:
		headers.append('If-None-Match: "%s"' % sha256)
	var path := "/v1/assets/%s?file=%s" % [asset.asset_id, file.uri_encode()]
	var response := await _request(HTTPClient.METHOD_GET, path, PackedByteArray(), headers)
	if response["status"] == 304 and not cached.is_empty():
		cache.stats["revalidated"] += 1
		cache.mark_checked(asset.asset_id, file)
		return cached
	if not response["ok"]:
		if not cached.is_empty() and response["error"].is_unreachable():
			return cached  # the server is away; the checked copy stands
		last_error = response["error"]
		return PackedByteArray()
	var data: PackedByteArray = response["body"]
	if sha256 and SoundloomCache.sha256_hex(data) != sha256:
		last_error = SoundloomError.new(
			"CORRUPT",
			"%s of asset %s does not match its sha256 %s" % [file, asset.asset_id, sha256]
		)
		return PackedByteArray()
	cache.put_asset(asset)
	cache.write_file(asset.asset_id, file, data, sha256)
	return data


## The asset's main file as an [AudioStreamWAV] (loop points from the asset's meta) or an
## [AudioStreamOggVorbis] (looping from its loop offset); null on failure.
func load_stream(asset: SoundloomAsset) -> AudioStream:
	var data := await fetch(asset)
	if data.is_empty():
		return null
	var stream := SoundloomAudio.stream_from_bytes(
		data, asset.format, asset.loop_start_frame, asset.loop_length_frames
	)
	if stream == null:
		last_error = SoundloomError.new(
			"UNSUPPORTED",
			"a %s file cannot be played at run time: ask for wav or ogg" % asset.format
		)
	return stream


## The plan the server would render for a description (no audio); {} on failure.
func plan(description: String, options: Dictionary = {}) -> Dictionary:
	last_error = null
	var body := build_request(description, options)
	var response := await _request(
		HTTPClient.METHOD_POST, "/v1/plan", JSON.stringify(body).to_utf8_buffer(), _json_headers()
	)
	if not response["ok"]:
		last_error = response["error"]
		return {}
	return _json(response["body"]).get("plan", {})


## Whether the server answers its health check with SERVING.
func is_serving() -> bool:
	var response := await _request(HTTPClient.METHOD_GET, "/healthz", PackedByteArray(), [], 5.0)
	return response["status"] == 200


## The headers sent with every request (the token, when set).
func request_headers(extra: PackedStringArray = PackedStringArray()) -> PackedStringArray:
	var headers := PackedStringArray(extra)
	if token:
		headers.append("Authorization: Bearer %s" % token)
	return headers


# ------------------------------------------------------------------ HTTP


func _base() -> String:
	if base_url.is_empty() and OS.has_feature("web"):
		return str(JavaScriptBridge.eval("window.location.origin"))
	return base_url.trim_suffix("/")


func _json_headers() -> PackedStringArray:
	return PackedStringArray(["Content-Type: application/json"])


func _render_headers() -> PackedStringArray:
	var headers := _json_headers()
	headers.append("X-Request-Timeout: %d" % ceili(render_timeout_s))
	return headers


func _request(
	method: int,
	path: String,
	body: PackedByteArray = PackedByteArray(),
	headers: PackedStringArray = PackedStringArray(),
	timeout: float = -1.0
) -> Dictionary:
	var response := {}
	for attempt in max_retries + 1:
		if attempt > 0:
			await get_tree().create_timer(_delay(attempt, response["retry_after"])).timeout
		var http := HTTPRequest.new()
		http.timeout = timeout if timeout > 0.0 else timeout_s
		http.accept_gzip = false
		add_child(http)
		var result: Array = [HTTPRequest.RESULT_CANT_CONNECT, 0, PackedStringArray(), []]
		if http.request_raw(_base() + path, request_headers(headers), method, body) == OK:
			result = await http.request_completed
		http.queue_free()
		response = _response(result, http.timeout)
		last_status = response["status"]
		if response["ok"] or response["status"] == 304 or not response["error"].is_retryable():
			return response
	return response


func _response(result: Array, timeout: float) -> Dictionary:
	var status: int = result[1]
	var headers := {}
	for line: String in result[2]:
		var colon := line.find(":")
		if colon > 0:
			headers[line.left(colon).strip_edges().to_lower()] = (
				line.substr(colon + 1).strip_edges()
			)
	var body := PackedByteArray(result[3])
	var response := {
		"ok": false,
		"status": status,
		"headers": headers,
		"body": body,
		"error": null,
		"retry_after": float(headers.get("retry-after", "0")),
	}
	if result[0] == HTTPRequest.RESULT_TIMEOUT:
		response["error"] = SoundloomError.new("DEADLINE_EXCEEDED", "no answer in %.0f s" % timeout)
	elif result[0] != HTTPRequest.RESULT_SUCCESS:
		response["error"] = SoundloomError.new(
			"NETWORK", "cannot reach %s (HTTPRequest result %d)" % [_base(), result[0]]
		)
	elif status < 200 or status >= 300:
		response["error"] = SoundloomError.from_response(status, body)
	else:
		response["ok"] = true
	return response


func _delay(attempt: int, retry_after: float) -> float:
	var backoff := backoff_s * pow(2.0, attempt - 1) * randf_range(0.5, 1.0)
	return minf(maxf(backoff, retry_after), max_backoff_s)


func _json(body: PackedByteArray) -> Dictionary:
	var parsed: Variant = SoundloomError.parse_json(body.get_string_from_utf8())
	return parsed if parsed is Dictionary else {}


# ------------------------------------------------------------------ NDJSON progress


func _generate_streamed(payload: PackedByteArray) -> Dictionary:
	var outcome := {}
	for attempt in max_retries + 1:
		if attempt > 0:
			await get_tree().create_timer(_delay(attempt, outcome.get("retry_after", 0.0))).timeout
		outcome = await _stream_once(payload)
		last_status = outcome.get("status", 0)
		if outcome["error"] == null:
			return outcome["answer"]
		if outcome.get("started", false) or not outcome["error"].is_retryable():
			break
	last_error = outcome["error"]
	return {}


func _stream_once(payload: PackedByteArray) -> Dictionary:
	var url := _split_url(_base())
	var client := HTTPClient.new()
	var unreachable := {
		"error": SoundloomError.new("NETWORK", "cannot reach %s" % _base()), "started": false
	}
	var give_up := Time.get_ticks_msec() + int((render_timeout_s + 5.0) * 1000.0)
	if not await _send(client, url, payload, give_up):
		return unreachable
	var status := client.get_response_code()
	var answer := {}
	var buffer := PackedByteArray()
	while client.get_status() == HTTPClient.STATUS_BODY:
		client.poll()
		var chunk := client.read_response_body_chunk()
		if chunk.is_empty():
			if Time.get_ticks_msec() > give_up:
				break
			await get_tree().process_frame
			continue
		buffer.append_array(chunk)
		if status == 200:
			buffer = _take_lines(buffer, answer, false)
	var retry_after := float(client.get_response_headers_as_dictionary().get("Retry-After", 0))
	client.close()
	if status != 200:
		return {
			"error": SoundloomError.from_response(status, buffer),
			"status": status,
			"retry_after": retry_after,
			"started": false,
		}
	_take_lines(buffer, answer, true)
	var outcome := {"error": null, "answer": answer, "status": status, "started": true}
	if answer.has("error"):
		var error: Dictionary = answer["error"]
		outcome["error"] = SoundloomError.new(
			str(error.get("status", "UNKNOWN")), str(error.get("message", "")), 200
		)
	elif not answer.has("asset"):
		outcome["error"] = SoundloomError.new("NETWORK", "the progress stream ended early")
	return outcome


func _send(client: HTTPClient, url: Dictionary, payload: PackedByteArray, give_up: int) -> bool:
	var tls: TLSOptions = TLSOptions.client() if url["tls"] else null
	if client.connect_to_host(url["host"], url["port"], tls) != OK:
		return false
	var connect_by := Time.get_ticks_msec() + int(timeout_s * 1000.0)
	while client.get_status() in [HTTPClient.STATUS_RESOLVING, HTTPClient.STATUS_CONNECTING]:
		client.poll()
		if Time.get_ticks_msec() > connect_by:
			return false
		await get_tree().process_frame
	if client.get_status() != HTTPClient.STATUS_CONNECTED:
		return false
	var headers := request_headers(_render_headers())
	var path: String = url["prefix"] + "/v1/generate/stream"
	if client.request_raw(HTTPClient.METHOD_POST, path, headers, payload) != OK:
		return false
	while client.get_status() == HTTPClient.STATUS_REQUESTING:
		client.poll()
		if Time.get_ticks_msec() > give_up:
			return false
		await get_tree().process_frame
	return client.has_response()


func _take_lines(buffer: PackedByteArray, answer: Dictionary, last: bool) -> PackedByteArray:
	var start := 0
	while true:
		var end := buffer.find(10, start)
		if end < 0:
			if last and start < buffer.size():
				end = buffer.size()
			else:
				break
		_on_line(buffer.slice(start, end).get_string_from_utf8(), answer)
		start = end + 1
	return buffer.slice(start) if start < buffer.size() else PackedByteArray()


func _on_line(text: String, answer: Dictionary) -> void:
	var line: Variant = SoundloomError.parse_json(text)
	if not line is Dictionary:
		return
	if line.has("progress"):
		var update: Dictionary = line["progress"]
		var stage := str(update.get("stage", "")).trim_prefix("STAGE_").to_lower()
		progress.emit(stage, float(update.get("fraction", 0.0)), str(update.get("message", "")))
		return
	for key: String in ["accepted", "plan", "asset", "done", "error", "asset_url"]:
		if line.has(key):
			answer[key] = line[key]


static func _split_url(url: String) -> Dictionary:
	var tls := url.begins_with("https://")
	var rest := url.trim_prefix("https://").trim_prefix("http://")
	var slash := rest.find("/")
	var authority := rest if slash < 0 else rest.left(slash)
	var prefix := "" if slash < 0 else rest.substr(slash).trim_suffix("/")
	var host := authority
	var port := 443 if tls else 80
	var colon := authority.rfind(":")
	if colon > 0 and not authority.ends_with("]"):
		host = authority.left(colon)
		port = int(authority.substr(colon + 1))
	return {
		"tls": tls, "host": host.trim_prefix("[").trim_suffix("]"), "port": port, "prefix": prefix
	}
