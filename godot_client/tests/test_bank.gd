extends "res://tests/suite.gd"
## A bank built by `soundloom bank build` (ci/run_tests.sh), packed into res://tests/bank/.

const BANK := "res://tests/bank/bank.json"


func tests() -> Array[String]:
	return [
		"test_bank_entries_and_variations",
		"test_bank_streams_carry_loop_points_and_markers",
		"test_bank_refuses_a_file_that_does_not_match",
	]


func test_bank_entries_and_variations() -> void:
	var bank := SoundloomBank.load_bank(BANK)
	if not check(bank != null, "loads %s" % BANK):
		return
	check_eq(bank.bank_name, "godot_tests", "name")
	var names := bank.names()
	names.sort()
	check_eq(names, PackedStringArray(["door_slam", "rain_bed"]), "entries")
	check_eq(bank.variation_count("door_slam"), 2, "variations")
	check_eq(bank.variation_count("nothing"), 0, "no such entry")
	check(bank.stream("nothing") == null and "nothing" in bank.last_error, "missing entry")


func test_bank_streams_carry_loop_points_and_markers() -> void:
	var bank := SoundloomBank.load_bank(BANK)
	var bed := bank.stream("rain_bed", 0) as AudioStreamOggVorbis
	if check(bed != null, "bed stream: %s" % bank.last_error):
		var record := bank.variation("rain_bed", 0)
		check(bed.loop, "the bed loops")
		check_near(bed.get_length(), float(record["duration_s"]), 0.02, "bed length")
		var loop := bank.loop_points("rain_bed", 0)
		check_eq(loop.size(), 2, "loop points")
	for index in 2:
		var shot := bank.stream("door_slam", index) as AudioStreamWAV
		if not check(shot != null, "door_slam %d: %s" % [index, bank.last_error]):
			continue
		var record := bank.variation("door_slam", index)
		check_eq(shot.loop_mode, AudioStreamWAV.LOOP_DISABLED, "one-shots do not loop")
		check_eq(shot.data.size() / 4, int(record["frames"]), "frames")
		var markers := bank.markers("door_slam", index)
		check(not markers.is_empty(), "markers")
		if not markers.is_empty():
			check(str(markers[0]["label"]).begins_with("door"), "label: %s" % markers[0])
			check(float(markers[0]["time_s"]) >= 0.0, "marker time")
	check(bank.stream("door_slam") is AudioStreamWAV, "a random variation")
	var first := bank.stream("door_slam", 0)
	var again := bank.stream("door_slam", 0)
	check(first == again, "streams are reused")


func test_bank_refuses_a_file_that_does_not_match() -> void:
	var bank := SoundloomBank.load_bank(BANK)
	bank.entries["door_slam"]["variations"][0]["sha256"] = "00".repeat(32)
	check(bank.stream("door_slam", 0) == null, "refused")
	check("sha256" in bank.last_error, "says why: %s" % bank.last_error)
