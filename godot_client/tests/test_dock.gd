extends "res://tests/suite.gd"
## The dock's Control, outside the editor: it takes input, builds the right requests,
## generates with progress, lists the plan's events and saves with the request beside the sound.


func tests() -> Array[String]:
	return ["test_dock_takes_input_and_builds_the_request", "test_dock_generates_and_saves"]


func _make_dock() -> SoundloomDock:
	var backdrop := ColorRect.new()
	backdrop.color = Color(0.13, 0.15, 0.19)
	backdrop.size = Vector2(420, 700)
	add_child(backdrop)
	var dock := SoundloomDock.new()
	dock.position = Vector2(8, 8)
	dock.size = Vector2(404, 684)
	backdrop.add_child(dock)
	dock.set_settings(runner.origin, str(runner.config.get("token", "")))
	dock.client.cache = SoundloomCache.new("user://soundloom-dock")
	return dock


func _type(text: String) -> void:
	for character in text:
		var key := InputEventKey.new()
		key.pressed = true
		key.unicode = character.unicode_at(0)
		key.keycode = KEY_SPACE if character == " " else KEY_A
		get_viewport().push_input(key)
		var up := key.duplicate()
		up.pressed = false
		get_viewport().push_input(up)
	await get_tree().process_frame


func test_dock_takes_input_and_builds_the_request() -> void:
	var dock := _make_dock()
	await get_tree().process_frame
	dock.prompt_edit.grab_focus()
	await _type("rain on a tin roof")
	check_eq(dock.prompt_edit.text, "rain on a tin roof", "typed into the prompt")
	dock.duration_spin.value = 12.5
	dock.kind_option.select(1)
	dock.variations_spin.value = 2
	dock.seed_spin.value = 9
	dock.loudness_option.select(1)
	var requests := dock.build_requests()
	check_eq(requests.size(), 2, "one request per variation")
	var expected := {
		"scene": {"description": "rain on a tin roof", "duration_s": 12.5},
		"options": {"format": "AUDIO_FORMAT_OGG", "loop": true, "seed": "9", "preset": "mobile"},
	}
	check_eq(requests[0], expected, "the request")
	check_eq(requests[1]["options"]["seed"], "10", "the next variation's seed")
	check_eq(
		SoundloomDock.slug("Rain on a tin roof, then thunder!"),
		"rain_on_a_tin_roof_then_thunder",
		"slug"
	)
	var edited: Array[String] = []
	dock.settings_changed.connect(func(url: String, _token: String) -> void: edited.append(url))
	dock.server_edit.text = "http://example.com:9000"
	dock.server_edit.text_changed.emit(dock.server_edit.text)
	check_eq(edited, ["http://example.com:9000"], "settings_changed")
	check_eq(dock.client.base_url, "http://example.com:9000", "the client follows the field")
	dock.get_parent().queue_free()


func test_dock_generates_and_saves() -> void:
	var dock := _make_dock()
	dock.prompt_edit.text = "rain on a tin roof, then a door slams"
	dock.duration_spin.value = 4.0
	dock.seed_spin.value = 3
	dock.variations_spin.value = 2
	var sent: Array = []
	dock.generate_requested.connect(func(requests: Array) -> void: sent.append_array(requests))
	dock.generate_button.pressed.emit()
	var assets: Array = await dock.generated
	check_eq(assets.size(), 2, "two variations: %s" % dock.status_label.text)
	check_eq(sent, dock.build_requests(), "what was sent is what the fields say")
	check(dock.events_list.item_count >= 2, "the plan's events are listed")
	check(dock.progress_bar.value == 1.0, "progress complete")
	check(not dock.save_button.disabled and not dock.play_button.disabled, "save and preview")
	await dock.preview(0)
	check(dock.player.stream is AudioStreamWAV, "preview stream")
	for _frame in 5:
		await get_tree().process_frame
	await _screenshot(Rect2i(0, 0, 420, 700))
	var paths := await dock.save("user://saved_sounds")
	var stem := "user://saved_sounds/rain_on_a_tin_roof_then_a_door_slams"
	check_eq(
		paths,
		PackedStringArray(
			[
				stem + "_01.wav",
				stem + "_01.wav.soundloom.json",
				stem + "_02.wav",
				stem + "_02.wav.soundloom.json",
			]
		),
		"saved files"
	)
	if paths.size() == 4:
		var side: Dictionary = JSON.parse_string(FileAccess.get_file_as_string(paths[1]))
		check_eq(side["request"], sent[0], "the request is saved beside the sound")
		check_eq(side["asset_id"], assets[0].asset_id, "and its asset id")
		var data := FileAccess.get_file_as_bytes(paths[0])
		check_eq(SoundloomCache.sha256_hex(data), assets[0].main_file()["sha256"], "audio bytes")
	dock.get_parent().queue_free()


func _screenshot(region: Rect2i) -> void:
	var image := get_viewport().get_texture().get_image().get_region(region)
	var http := HTTPRequest.new()
	add_child(http)
	http.request_raw(
		runner.origin + "/__screenshot",
		["Content-Type: image/png"],
		HTTPClient.METHOD_POST,
		image.save_png_to_buffer()
	)
	var result: Array = await http.request_completed
	http.queue_free()
	check_eq(result[1], 200, "screenshot posted")
