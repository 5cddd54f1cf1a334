extends "res://tests/suite.gd"
## With the server stopped, what was fetched before is still served from the cache.


func tests() -> Array[String]:
	return ["test_cache_hit_with_the_server_stopped"]


func test_cache_hit_with_the_server_stopped() -> void:
	var client := make_client()
	var online := await client.generate("a heavy wooden door slams", door_options())
	if not check(online != null, "generated: %s" % client.last_error):
		return
	var data := await client.fetch(online)
	var http := HTTPRequest.new()
	add_child(http)
	http.request(runner.origin + "/__stop_server", [], HTTPClient.METHOD_POST)
	var stopped: Array = await http.request_completed
	check_eq(stopped[3].get_string_from_utf8(), "stopped", "the harness stopped the server")
	check(not await client.is_serving(), "the server is down")
	var offline := await client.generate("a heavy wooden door slams", door_options())
	if not check(offline != null, "served from the cache: %s" % client.last_error):
		return
	check(offline.offline, "marked offline")
	check_eq(offline.asset_id, online.asset_id, "the same asset")
	check_eq(
		await client.fetch(offline, "", true), data, "bytes from the cache (revalidation fails)"
	)
	var stream := await client.load_stream(offline)
	check(stream is AudioStreamWAV, "a playable stream offline")
	var missing := await client.generate("something never asked for", {"duration": 1.0})
	check(missing == null and client.last_error.is_unreachable(), "a new request fails clearly")
