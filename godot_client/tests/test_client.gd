extends "res://tests/suite.gd"
## The runtime client against the real server through the harness's proxy.


func tests() -> Array[String]:
	return [
		"test_token_is_sent_and_a_missing_one_surfaces_the_401",
		"test_generate_fetch_sha256_and_cache",
		"test_etag_revalidation_is_a_304",
		"test_wav_loop_points_equal_the_meta",
		"test_ogg_loads_with_the_right_length_and_loop_offset",
		"test_a_400_surfaces_the_servers_message",
		"test_progress_follows_the_stages_in_pipeline_order",
		"test_cors_lets_the_page_call_the_gateway_directly",
		"test_a_429_is_retried_after_its_retry_after",
		"test_every_request_has_a_timeout",
	]


func test_token_is_sent_and_a_missing_one_surfaces_the_401() -> void:
	var anonymous := make_client(false)
	check(await anonymous.generate("a short beep", {"duration": 0.5}) == null, "refused")
	if check(anonymous.last_error != null, "an error is reported"):
		check_eq(anonymous.last_error.http_status, 401, "HTTP status")
		check_eq(anonymous.last_error.status, "UNAUTHENTICATED", "status")
		check(anonymous.last_error.message != "", "the server's message is kept")
	var client := make_client()
	var headers := client.request_headers()
	check_eq(headers, PackedStringArray(["Authorization: Bearer %s" % client.token]), "header")
	var plan := await client.plan("a short beep", {"duration": 0.5})
	check(plan.has("events"), "with the token: %s" % client.last_error)


func test_generate_fetch_sha256_and_cache() -> void:
	var client := make_client()
	client.cache.clear()
	var asset := await client.generate("a heavy wooden door slams", door_options())
	if not check(asset != null, "generated: %s" % client.last_error):
		return
	check_eq(asset.asset_id.length(), 64, "content address")
	check_eq(asset.format, "wav", "sfx is a WAV")
	check(not asset.events().is_empty(), "the plan's events")
	check(asset.loudness.has("integrated_lufs"), "loudness report")
	var data := await client.fetch(asset)
	var main := asset.main_file()
	check_eq(data.size(), int(main["size_bytes"]), "size")
	check_eq(SoundloomCache.sha256_hex(data), main["sha256"], "sha256")
	var on_disk := "user://soundloom-tests/assets/%s/%s" % [asset.asset_id, main["name"]]
	check(FileAccess.file_exists(on_disk), "cached at %s" % on_disk)
	var hits: int = client.cache.stats["hits"]
	client.last_status = 0
	check_eq(await client.fetch(asset), data, "second fetch")
	check_eq(client.cache.stats["hits"], hits + 1, "served from the cache")
	check_eq(client.last_status, 0, "no request for a fresh cached file")
	var sidecar := await client.fetch(asset, main["name"] + ".json")
	check(JSON.parse_string(sidecar.get_string_from_utf8()) is Dictionary, "sidecar JSON")


func test_etag_revalidation_is_a_304() -> void:
	var client := make_client()
	var asset := await client.generate("a heavy wooden door slams", door_options())
	if not check(asset != null, "generated: %s" % client.last_error):
		return
	await client.fetch(asset)
	var revalidated: int = client.cache.stats["revalidated"]
	var data := await client.fetch(asset, "", true)
	check_eq(client.last_status, 304, "the server answered 304")
	check_eq(client.cache.stats["revalidated"], revalidated + 1, "counted")
	check_eq(SoundloomCache.sha256_hex(data), asset.main_file()["sha256"], "cached bytes")
	client.cache.revalidate_after_s = -1.0  # every cached file is stale: revalidated
	await client.fetch(asset)
	check_eq(client.last_status, 304, "stale files are revalidated")


func test_wav_loop_points_equal_the_meta() -> void:
	var client := make_client()
	var options := {"duration": 2.0, "kind": "ambience", "format": "wav", "seed": 5}
	var asset := await client.generate("steady rain on a tin roof", options)
	if not check(asset != null and asset.loops(), "a looping WAV: %s" % client.last_error):
		return
	var stream := await client.load_stream(asset) as AudioStreamWAV
	if not check(stream != null, "AudioStreamWAV: %s" % client.last_error):
		return
	check_eq(stream.loop_mode, AudioStreamWAV.LOOP_FORWARD, "loop mode")
	check_eq(stream.loop_begin, asset.loop_start_frame, "loop_begin = meta start_frame")
	check_eq(
		stream.loop_end,
		asset.loop_start_frame + asset.loop_length_frames,
		"loop_end = start + length"
	)
	check_eq(stream.mix_rate, asset.sample_rate, "mix rate")
	check_eq(stream.stereo, asset.channels == 2, "stereo")
	check_near(stream.get_length(), asset.duration_s, 0.001, "length")
	var smpl: Array = SoundloomAudio.parse_wav(await client.fetch(asset))["smpl_loop"]
	check_eq(smpl, [stream.loop_begin, stream.loop_end - 1], "the file's smpl loop (end inclusive)")


func test_ogg_loads_with_the_right_length_and_loop_offset() -> void:
	var client := make_client()
	var options := {"duration": 3.0, "kind": "ambience", "seed": 6}
	var asset := await client.generate("wind in the pines", options)
	if not check(asset != null, "generated: %s" % client.last_error):
		return
	check_eq(asset.format, "ogg", "beds are OGG")
	var stream := await client.load_stream(asset) as AudioStreamOggVorbis
	if not check(stream != null, "AudioStreamOggVorbis: %s" % client.last_error):
		return
	check_near(stream.get_length(), asset.duration_s, 0.02, "length")
	check_eq(stream.loop, asset.loops(), "loops")
	check_near(
		stream.loop_offset, float(asset.loop_start_frame) / asset.sample_rate, 1e-6, "loop offset"
	)


func test_a_400_surfaces_the_servers_message() -> void:
	var client := make_client()
	var asset := await client.generate("rain", {"duration": -1.0})
	check(asset == null, "refused")
	if check(client.last_error != null, "an error"):
		check_eq(client.last_error.http_status, 400, "HTTP status")
		check_eq(client.last_error.status, "INVALID_ARGUMENT", "status")
		check("duration_s" in client.last_error.message, "names the field: %s" % client.last_error)
	asset = await client.generate("rain", {"duration": -1.0, "progress": true})
	check(asset == null and client.last_error != null, "refused on the stream route too")
	if client.last_error != null:
		check("duration_s" in client.last_error.message, "stream: %s" % client.last_error)


func test_progress_follows_the_stages_in_pipeline_order() -> void:
	var client := make_client()
	var stages: Array[String] = []
	client.progress.connect(
		func(stage: String, _fraction: float, _message: String) -> void:
			if stages.is_empty() or stages[-1] != stage:
				stages.append(stage)
	)
	var asset := await client.generate(
		"a campfire crackles, an owl hoots", {"duration": 3.0, "seed": 77, "progress": true}
	)
	check(asset != null, "generated: %s" % client.last_error)
	check_eq(stages, ["plan", "render", "mix", "master", "package", "encode"], "stages in order")
	if asset != null:
		check(not asset.cache_hit and not asset.events().is_empty(), "rendered, with a plan")


func test_cors_lets_the_page_call_the_gateway_directly() -> void:
	var client := make_client()
	client.base_url = str(runner.config.get("gateway", ""))
	check(runner.origin != client.base_url, "another origin")
	check(await client.is_serving(), "health over CORS")
	var asset := await client.generate("a heavy wooden door slams", door_options())
	check(asset != null, "generate over CORS (preflight with a token): %s" % client.last_error)
	if asset != null:
		client.cache.clear()
		var data := await client.fetch(asset)
		check_eq(SoundloomCache.sha256_hex(data), asset.main_file()["sha256"], "bytes over CORS")


func test_a_429_is_retried_after_its_retry_after() -> void:
	var client := make_client()
	client.base_url = runner.origin + "/__flaky"
	client.backoff_s = 0.01  # the wait must come from Retry-After: 1
	var started := Time.get_ticks_msec()
	var plan := await client.plan("a door slams", {"duration": 1.0})
	var waited := (Time.get_ticks_msec() - started) / 1000.0
	check(plan.has("events"), "succeeded on the retry: %s" % client.last_error)
	check(waited >= 0.9, "waited for Retry-After: %.2f s" % waited)
	client.max_retries = 0
	client.base_url = runner.origin + "/__flaky/again"
	var refused := await client.plan("a door slams", {"duration": 1.0})
	check(refused.is_empty(), "no retries left")
	if check(client.last_error != null, "an error"):
		check_eq(client.last_error.http_status, 429, "429")
		check_eq(client.last_error.message, "queue full", "the server's message")


func test_every_request_has_a_timeout() -> void:
	var client := make_client()
	client.base_url = runner.origin + "/__slow"
	client.timeout_s = 0.5
	client.max_retries = 0
	var started := Time.get_ticks_msec()
	var plan := await client.plan("a door slams", {"duration": 1.0})
	var took := (Time.get_ticks_msec() - started) / 1000.0
	check(plan.is_empty(), "no plan")
	if check(client.last_error != null, "an error"):
		check_eq(client.last_error.status, "DEADLINE_EXCEEDED", "timed out")
	check(took < 4.0, "gave up early: %.2f s" % took)
