extends "res://tests/suite.gd"
## Pieces that need no server: requests, WAV parsing, the cache's checks and eviction.


func tests() -> Array[String]:
	return [
		"test_build_request_maps_options_to_the_proto_json",
		"test_wav_parser_reads_pcm16_and_converts_24_bit",
		"test_cache_refuses_and_drops_corrupt_files",
		"test_cache_evicts_least_recently_used_past_its_cap",
		"test_url_parts",
	]


func test_build_request_maps_options_to_the_proto_json() -> void:
	var bed := SoundloomClient.build_request(
		"rain", {"duration": 20, "kind": "ambience", "seed": 7, "loudness": -20}
	)
	check_eq(bed["scene"], {"description": "rain", "duration_s": 20.0}, "scene")
	check_eq(bed["options"]["format"], "AUDIO_FORMAT_OGG", "ambience format")
	check_eq(bed["options"]["loop"], true, "ambience loops")
	check_eq(bed["options"]["seed"], "7", "seed is a uint64 string")
	check_eq(bed["options"]["target_lufs"], -20.0, "LUFS number")
	var shot := SoundloomClient.build_request("door", {"loudness": "mobile", "format": "ogg"})
	check_eq(shot["options"]["format"], "AUDIO_FORMAT_OGG", "explicit format")
	check_eq(shot["options"]["loop"], false, "sfx does not loop")
	check_eq(shot["options"]["preset"], "mobile", "preset")
	check(not shot["scene"].has("duration_s"), "no duration unless given")


func test_wav_parser_reads_pcm16_and_converts_24_bit() -> void:
	for bits: int in [16, 24]:
		var wav := _wav(bits, [0.5, -0.25, 0.0, 1.0], 2, 22050)
		var parsed := SoundloomAudio.parse_wav(wav)
		check_eq(parsed.get("sample_rate"), 22050, "%d-bit rate" % bits)
		check_eq(parsed.get("frames"), 2, "%d-bit frames" % bits)
		var pcm: PackedByteArray = parsed.get("pcm16", PackedByteArray())
		check_near(pcm.decode_s16(0), 16383, 1, "%d-bit first sample" % bits)
		check_near(pcm.decode_s16(2), -8192, 1, "%d-bit second sample" % bits)
		var stream := SoundloomAudio.wav_stream(wav, 0, 2)
		check_eq(stream.loop_end, 2, "loop end from the arguments")
		check_eq(stream.loop_mode, AudioStreamWAV.LOOP_FORWARD, "loop mode")
	check(SoundloomAudio.parse_wav("not a wav".to_utf8_buffer()).is_empty(), "garbage is {}")


func test_cache_refuses_and_drops_corrupt_files() -> void:
	var cache := SoundloomCache.new("user://soundloom-unit-corrupt")
	cache.clear()
	var id := "ab".repeat(32)
	var data := "hello".to_utf8_buffer()
	var sha := SoundloomCache.sha256_hex(data)
	check_eq(
		sha, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", "HashingContext"
	)
	check_eq(cache.write_file(id, "a.wav", data, "00".repeat(32)), ERR_INVALID_DATA, "bad sha")
	check_eq(cache.write_file(id, "../escape", data, sha), ERR_INVALID_PARAMETER, "path escape")
	check_eq(cache.write_file(id, "a.wav", data, sha), OK, "good write")
	check_eq(cache.read_file(id, "a.wav", sha), data, "read back")
	var file := FileAccess.open(
		"user://soundloom-unit-corrupt/assets/%s/a.wav" % id, FileAccess.WRITE
	)
	file.store_string("jello")
	file.close()
	check(cache.read_file(id, "a.wav", sha).is_empty(), "corrupt file is a miss")
	check_eq(cache.stats["corrupt"], 2, "corrupt count")
	check(
		not FileAccess.file_exists("user://soundloom-unit-corrupt/assets/%s/a.wav" % id), "dropped"
	)


func test_cache_evicts_least_recently_used_past_its_cap() -> void:
	var cache := SoundloomCache.new("user://soundloom-unit-lru", 250)
	cache.clear()
	var ids: Array[String] = ["01".repeat(32), "02".repeat(32), "03".repeat(32)]
	var data := PackedByteArray()
	data.resize(100)
	var sha := SoundloomCache.sha256_hex(data)
	cache.write_file(ids[0], "x.wav", data, sha)
	cache.write_file(ids[1], "x.wav", data, sha)
	cache.read_file(ids[0], "x.wav", sha)  # 0 is now more recent than 1
	cache.write_file(ids[2], "x.wav", data, sha)
	check(cache.has_asset(ids[0]), "recently read asset kept")
	check(not cache.has_asset(ids[1]), "least recently used evicted")
	check(cache.has_asset(ids[2]), "new asset kept")
	check(cache.size_bytes() <= 250, "within the cap: %d" % cache.size_bytes())
	check_eq(cache.stats["evictions"], 1, "evictions")
	var again := SoundloomCache.new("user://soundloom-unit-lru", 250)
	check(again.has_asset(ids[2]) and not again.has_asset(ids[1]), "index survives a restart")


func test_url_parts() -> void:
	var parts := SoundloomClient._split_url("https://example.com:8443/sl/")
	check_eq(parts, {"tls": true, "host": "example.com", "port": 8443, "prefix": "/sl"}, "https")
	parts = SoundloomClient._split_url("http://127.0.0.1")
	check_eq(parts["port"], 80, "default port")


func _wav(bits: int, samples: Array, channels: int, rate: int) -> PackedByteArray:
	var width := bits / 8
	var pcm := PackedByteArray()
	pcm.resize(samples.size() * width)
	for i in samples.size():
		var value := clampi(roundi(float(samples[i]) * 32767.0), -32768, 32767)
		if bits == 16:
			pcm.encode_s16(i * 2, value)
		else:
			pcm.encode_u8(i * 3, 0)
			pcm.encode_s16(i * 3 + 1, value)
	var out := PackedByteArray()
	out.append_array("RIFF".to_ascii_buffer())
	out.resize(8)
	out.encode_u32(4, 36 + pcm.size())
	out.append_array("WAVEfmt ".to_ascii_buffer())
	var fmt := PackedByteArray()
	fmt.resize(20)
	fmt.encode_u32(0, 16)
	fmt.encode_u16(4, 1)
	fmt.encode_u16(6, channels)
	fmt.encode_u32(8, rate)
	fmt.encode_u32(12, rate * channels * width)
	fmt.encode_u16(16, channels * width)
	fmt.encode_u16(18, bits)
	out.append_array(fmt)
	out.append_array("data".to_ascii_buffer())
	var size := PackedByteArray()
	size.resize(4)
	size.encode_u32(0, pcm.size())
	out.append_array(size)
	out.append_array(pcm)
	return out
