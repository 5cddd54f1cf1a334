from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_KIND_UNSPECIFIED: _ClassVar[EventKind]
    EVENT_KIND_AMBIENCE: _ClassVar[EventKind]
    EVENT_KIND_SFX: _ClassVar[EventKind]

class AudioFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIO_FORMAT_UNSPECIFIED: _ClassVar[AudioFormat]
    AUDIO_FORMAT_WAV: _ClassVar[AudioFormat]
    AUDIO_FORMAT_OGG: _ClassVar[AudioFormat]
    AUDIO_FORMAT_FLAC: _ClassVar[AudioFormat]
    AUDIO_FORMAT_OPUS: _ClassVar[AudioFormat]

class Stage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAGE_UNSPECIFIED: _ClassVar[Stage]
    STAGE_PLAN: _ClassVar[Stage]
    STAGE_RENDER: _ClassVar[Stage]
    STAGE_MIX: _ClassVar[Stage]
    STAGE_MASTER: _ClassVar[Stage]
    STAGE_PACKAGE: _ClassVar[Stage]
    STAGE_ENCODE: _ClassVar[Stage]

class FileRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FILE_ROLE_UNSPECIFIED: _ClassVar[FileRole]
    FILE_ROLE_MAIN: _ClassVar[FileRole]
    FILE_ROLE_SEGMENT: _ClassVar[FileRole]
    FILE_ROLE_STEM: _ClassVar[FileRole]
    FILE_ROLE_SIDECAR: _ClassVar[FileRole]

class BackendKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BACKEND_KIND_UNSPECIFIED: _ClassVar[BackendKind]
    BACKEND_KIND_PLANNER: _ClassVar[BackendKind]
    BACKEND_KIND_RENDERER: _ClassVar[BackendKind]
EVENT_KIND_UNSPECIFIED: EventKind
EVENT_KIND_AMBIENCE: EventKind
EVENT_KIND_SFX: EventKind
AUDIO_FORMAT_UNSPECIFIED: AudioFormat
AUDIO_FORMAT_WAV: AudioFormat
AUDIO_FORMAT_OGG: AudioFormat
AUDIO_FORMAT_FLAC: AudioFormat
AUDIO_FORMAT_OPUS: AudioFormat
STAGE_UNSPECIFIED: Stage
STAGE_PLAN: Stage
STAGE_RENDER: Stage
STAGE_MIX: Stage
STAGE_MASTER: Stage
STAGE_PACKAGE: Stage
STAGE_ENCODE: Stage
FILE_ROLE_UNSPECIFIED: FileRole
FILE_ROLE_MAIN: FileRole
FILE_ROLE_SEGMENT: FileRole
FILE_ROLE_STEM: FileRole
FILE_ROLE_SIDECAR: FileRole
BACKEND_KIND_UNSPECIFIED: BackendKind
BACKEND_KIND_PLANNER: BackendKind
BACKEND_KIND_RENDERER: BackendKind

class ParamValue(_message.Message):
    __slots__ = ("number", "word")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    WORD_FIELD_NUMBER: _ClassVar[int]
    number: float
    word: str
    def __init__(self, number: _Optional[float] = ..., word: _Optional[str] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("id", "kind", "caption", "recipe", "start_s", "duration_s", "gain_db", "pan", "fade_in_s", "fade_out_s", "loop", "params", "renderer", "group", "implied", "match_score", "automation")
    class ParamsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ParamValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ParamValue, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CAPTION_FIELD_NUMBER: _ClassVar[int]
    RECIPE_FIELD_NUMBER: _ClassVar[int]
    START_S_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    GAIN_DB_FIELD_NUMBER: _ClassVar[int]
    PAN_FIELD_NUMBER: _ClassVar[int]
    FADE_IN_S_FIELD_NUMBER: _ClassVar[int]
    FADE_OUT_S_FIELD_NUMBER: _ClassVar[int]
    LOOP_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    RENDERER_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    IMPLIED_FIELD_NUMBER: _ClassVar[int]
    MATCH_SCORE_FIELD_NUMBER: _ClassVar[int]
    AUTOMATION_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: EventKind
    caption: str
    recipe: str
    start_s: float
    duration_s: float
    gain_db: float
    pan: float
    fade_in_s: float
    fade_out_s: float
    loop: bool
    params: _containers.MessageMap[str, ParamValue]
    renderer: str
    group: str
    implied: bool
    match_score: float
    automation: Automation
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[EventKind, str]] = ..., caption: _Optional[str] = ..., recipe: _Optional[str] = ..., start_s: _Optional[float] = ..., duration_s: _Optional[float] = ..., gain_db: _Optional[float] = ..., pan: _Optional[float] = ..., fade_in_s: _Optional[float] = ..., fade_out_s: _Optional[float] = ..., loop: _Optional[bool] = ..., params: _Optional[_Mapping[str, ParamValue]] = ..., renderer: _Optional[str] = ..., group: _Optional[str] = ..., implied: _Optional[bool] = ..., match_score: _Optional[float] = ..., automation: _Optional[_Union[Automation, _Mapping]] = ...) -> None: ...

class CurvePoint(_message.Message):
    __slots__ = ("t", "value")
    T_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    t: float
    value: float
    def __init__(self, t: _Optional[float] = ..., value: _Optional[float] = ...) -> None: ...

class Automation(_message.Message):
    __slots__ = ("intensity", "distance", "gain_db", "pan")
    INTENSITY_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    GAIN_DB_FIELD_NUMBER: _ClassVar[int]
    PAN_FIELD_NUMBER: _ClassVar[int]
    intensity: _containers.RepeatedCompositeFieldContainer[CurvePoint]
    distance: _containers.RepeatedCompositeFieldContainer[CurvePoint]
    gain_db: _containers.RepeatedCompositeFieldContainer[CurvePoint]
    pan: _containers.RepeatedCompositeFieldContainer[CurvePoint]
    def __init__(self, intensity: _Optional[_Iterable[_Union[CurvePoint, _Mapping]]] = ..., distance: _Optional[_Iterable[_Union[CurvePoint, _Mapping]]] = ..., gain_db: _Optional[_Iterable[_Union[CurvePoint, _Mapping]]] = ..., pan: _Optional[_Iterable[_Union[CurvePoint, _Mapping]]] = ...) -> None: ...

class ScenePlan(_message.Message):
    __slots__ = ("duration_s", "events", "style", "environment", "description", "planner", "warnings", "unmatched")
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    STYLE_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PLANNER_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    UNMATCHED_FIELD_NUMBER: _ClassVar[int]
    duration_s: float
    events: _containers.RepeatedCompositeFieldContainer[Event]
    style: str
    environment: str
    description: str
    planner: str
    warnings: _containers.RepeatedScalarFieldContainer[str]
    unmatched: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, duration_s: _Optional[float] = ..., events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., style: _Optional[str] = ..., environment: _Optional[str] = ..., description: _Optional[str] = ..., planner: _Optional[str] = ..., warnings: _Optional[_Iterable[str]] = ..., unmatched: _Optional[_Iterable[str]] = ...) -> None: ...

class RenderOptions(_message.Message):
    __slots__ = ("sample_rate", "channels", "format", "bit_depth", "preset", "target_lufs", "true_peak_db", "seed", "loop", "segment_s", "stems", "planner", "renderer")
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    BIT_DEPTH_FIELD_NUMBER: _ClassVar[int]
    PRESET_FIELD_NUMBER: _ClassVar[int]
    TARGET_LUFS_FIELD_NUMBER: _ClassVar[int]
    TRUE_PEAK_DB_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    LOOP_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_S_FIELD_NUMBER: _ClassVar[int]
    STEMS_FIELD_NUMBER: _ClassVar[int]
    PLANNER_FIELD_NUMBER: _ClassVar[int]
    RENDERER_FIELD_NUMBER: _ClassVar[int]
    sample_rate: int
    channels: int
    format: AudioFormat
    bit_depth: int
    preset: str
    target_lufs: float
    true_peak_db: float
    seed: int
    loop: bool
    segment_s: float
    stems: bool
    planner: str
    renderer: str
    def __init__(self, sample_rate: _Optional[int] = ..., channels: _Optional[int] = ..., format: _Optional[_Union[AudioFormat, str]] = ..., bit_depth: _Optional[int] = ..., preset: _Optional[str] = ..., target_lufs: _Optional[float] = ..., true_peak_db: _Optional[float] = ..., seed: _Optional[int] = ..., loop: _Optional[bool] = ..., segment_s: _Optional[float] = ..., stems: _Optional[bool] = ..., planner: _Optional[str] = ..., renderer: _Optional[str] = ...) -> None: ...

class SceneRequest(_message.Message):
    __slots__ = ("description", "duration_s", "style", "environment")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    STYLE_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    description: str
    duration_s: float
    style: str
    environment: str
    def __init__(self, description: _Optional[str] = ..., duration_s: _Optional[float] = ..., style: _Optional[str] = ..., environment: _Optional[str] = ...) -> None: ...

class PlanSceneRequest(_message.Message):
    __slots__ = ("scene", "options")
    SCENE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    scene: SceneRequest
    options: RenderOptions
    def __init__(self, scene: _Optional[_Union[SceneRequest, _Mapping]] = ..., options: _Optional[_Union[RenderOptions, _Mapping]] = ...) -> None: ...

class PlanSceneResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: ScenePlan
    def __init__(self, plan: _Optional[_Union[ScenePlan, _Mapping]] = ...) -> None: ...

class GenerateSceneRequest(_message.Message):
    __slots__ = ("scene", "plan", "options", "client_request_id")
    SCENE_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    scene: SceneRequest
    plan: ScenePlan
    options: RenderOptions
    client_request_id: str
    def __init__(self, scene: _Optional[_Union[SceneRequest, _Mapping]] = ..., plan: _Optional[_Union[ScenePlan, _Mapping]] = ..., options: _Optional[_Union[RenderOptions, _Mapping]] = ..., client_request_id: _Optional[str] = ...) -> None: ...

class ContinueClipHeader(_message.Message):
    __slots__ = ("duration_s", "description", "only_new", "no_events", "options", "clip_name", "client_request_id")
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ONLY_NEW_FIELD_NUMBER: _ClassVar[int]
    NO_EVENTS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    CLIP_NAME_FIELD_NUMBER: _ClassVar[int]
    CLIENT_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    duration_s: float
    description: str
    only_new: bool
    no_events: bool
    options: RenderOptions
    clip_name: str
    client_request_id: str
    def __init__(self, duration_s: _Optional[float] = ..., description: _Optional[str] = ..., only_new: _Optional[bool] = ..., no_events: _Optional[bool] = ..., options: _Optional[_Union[RenderOptions, _Mapping]] = ..., clip_name: _Optional[str] = ..., client_request_id: _Optional[str] = ...) -> None: ...

class DubVideoHeader(_message.Message):
    __slots__ = ("description", "shots", "keep_audio", "options", "video_name", "client_request_id")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SHOTS_FIELD_NUMBER: _ClassVar[int]
    KEEP_AUDIO_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    VIDEO_NAME_FIELD_NUMBER: _ClassVar[int]
    CLIENT_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    description: str
    shots: _containers.RepeatedScalarFieldContainer[str]
    keep_audio: bool
    options: RenderOptions
    video_name: str
    client_request_id: str
    def __init__(self, description: _Optional[str] = ..., shots: _Optional[_Iterable[str]] = ..., keep_audio: _Optional[bool] = ..., options: _Optional[_Union[RenderOptions, _Mapping]] = ..., video_name: _Optional[str] = ..., client_request_id: _Optional[str] = ...) -> None: ...

class DubVideoRequest(_message.Message):
    __slots__ = ("header", "data")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    header: DubVideoHeader
    data: bytes
    def __init__(self, header: _Optional[_Union[DubVideoHeader, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class ContinueClipRequest(_message.Message):
    __slots__ = ("header", "data")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    header: ContinueClipHeader
    data: bytes
    def __init__(self, header: _Optional[_Union[ContinueClipHeader, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class Accepted(_message.Message):
    __slots__ = ("asset_id", "queue_position")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    QUEUE_POSITION_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    queue_position: int
    def __init__(self, asset_id: _Optional[str] = ..., queue_position: _Optional[int] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("stage", "fraction", "message")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    FRACTION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    stage: Stage
    fraction: float
    message: str
    def __init__(self, stage: _Optional[_Union[Stage, str]] = ..., fraction: _Optional[float] = ..., message: _Optional[str] = ...) -> None: ...

class DataChunk(_message.Message):
    __slots__ = ("file_index", "offset", "data")
    FILE_INDEX_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    file_index: int
    offset: int
    data: bytes
    def __init__(self, file_index: _Optional[int] = ..., offset: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class Done(_message.Message):
    __slots__ = ("cache_hit", "render_seconds")
    CACHE_HIT_FIELD_NUMBER: _ClassVar[int]
    RENDER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    cache_hit: bool
    render_seconds: float
    def __init__(self, cache_hit: _Optional[bool] = ..., render_seconds: _Optional[float] = ...) -> None: ...

class GenerateSceneResponse(_message.Message):
    __slots__ = ("accepted", "progress", "plan", "asset", "chunk", "done")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    ASSET_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    accepted: Accepted
    progress: Progress
    plan: ScenePlan
    asset: AssetInfo
    chunk: DataChunk
    done: Done
    def __init__(self, accepted: _Optional[_Union[Accepted, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., plan: _Optional[_Union[ScenePlan, _Mapping]] = ..., asset: _Optional[_Union[AssetInfo, _Mapping]] = ..., chunk: _Optional[_Union[DataChunk, _Mapping]] = ..., done: _Optional[_Union[Done, _Mapping]] = ...) -> None: ...

class LoudnessReport(_message.Message):
    __slots__ = ("integrated_lufs", "true_peak_dbtp", "loudness_range_lu", "sample_peak_dbfs", "target_lufs", "gain_db", "limiter_reduction_db", "method")
    INTEGRATED_LUFS_FIELD_NUMBER: _ClassVar[int]
    TRUE_PEAK_DBTP_FIELD_NUMBER: _ClassVar[int]
    LOUDNESS_RANGE_LU_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_PEAK_DBFS_FIELD_NUMBER: _ClassVar[int]
    TARGET_LUFS_FIELD_NUMBER: _ClassVar[int]
    GAIN_DB_FIELD_NUMBER: _ClassVar[int]
    LIMITER_REDUCTION_DB_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    integrated_lufs: float
    true_peak_dbtp: float
    loudness_range_lu: float
    sample_peak_dbfs: float
    target_lufs: float
    gain_db: float
    limiter_reduction_db: float
    method: str
    def __init__(self, integrated_lufs: _Optional[float] = ..., true_peak_dbtp: _Optional[float] = ..., loudness_range_lu: _Optional[float] = ..., sample_peak_dbfs: _Optional[float] = ..., target_lufs: _Optional[float] = ..., gain_db: _Optional[float] = ..., limiter_reduction_db: _Optional[float] = ..., method: _Optional[str] = ...) -> None: ...

class LoopPoints(_message.Message):
    __slots__ = ("start_frame", "length_frames")
    START_FRAME_FIELD_NUMBER: _ClassVar[int]
    LENGTH_FRAMES_FIELD_NUMBER: _ClassVar[int]
    start_frame: int
    length_frames: int
    def __init__(self, start_frame: _Optional[int] = ..., length_frames: _Optional[int] = ...) -> None: ...

class Marker(_message.Message):
    __slots__ = ("frame", "label", "length_frames")
    FRAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    LENGTH_FRAMES_FIELD_NUMBER: _ClassVar[int]
    frame: int
    label: str
    length_frames: int
    def __init__(self, frame: _Optional[int] = ..., label: _Optional[str] = ..., length_frames: _Optional[int] = ...) -> None: ...

class AssetFile(_message.Message):
    __slots__ = ("name", "role", "sha256", "size_bytes", "offset_frames")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FRAMES_FIELD_NUMBER: _ClassVar[int]
    name: str
    role: FileRole
    sha256: str
    size_bytes: int
    offset_frames: int
    def __init__(self, name: _Optional[str] = ..., role: _Optional[_Union[FileRole, str]] = ..., sha256: _Optional[str] = ..., size_bytes: _Optional[int] = ..., offset_frames: _Optional[int] = ...) -> None: ...

class AssetInfo(_message.Message):
    __slots__ = ("asset_id", "sha256", "size_bytes", "format", "mime_type", "sample_rate", "channels", "duration_s", "frames", "loudness", "loop", "markers", "files", "engine_version", "seed", "created_unix")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    LOUDNESS_FIELD_NUMBER: _ClassVar[int]
    LOOP_FIELD_NUMBER: _ClassVar[int]
    MARKERS_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    ENGINE_VERSION_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    CREATED_UNIX_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    sha256: str
    size_bytes: int
    format: AudioFormat
    mime_type: str
    sample_rate: int
    channels: int
    duration_s: float
    frames: int
    loudness: LoudnessReport
    loop: LoopPoints
    markers: _containers.RepeatedCompositeFieldContainer[Marker]
    files: _containers.RepeatedCompositeFieldContainer[AssetFile]
    engine_version: str
    seed: int
    created_unix: int
    def __init__(self, asset_id: _Optional[str] = ..., sha256: _Optional[str] = ..., size_bytes: _Optional[int] = ..., format: _Optional[_Union[AudioFormat, str]] = ..., mime_type: _Optional[str] = ..., sample_rate: _Optional[int] = ..., channels: _Optional[int] = ..., duration_s: _Optional[float] = ..., frames: _Optional[int] = ..., loudness: _Optional[_Union[LoudnessReport, _Mapping]] = ..., loop: _Optional[_Union[LoopPoints, _Mapping]] = ..., markers: _Optional[_Iterable[_Union[Marker, _Mapping]]] = ..., files: _Optional[_Iterable[_Union[AssetFile, _Mapping]]] = ..., engine_version: _Optional[str] = ..., seed: _Optional[int] = ..., created_unix: _Optional[int] = ...) -> None: ...

class GetAssetRequest(_message.Message):
    __slots__ = ("asset_id", "offset", "file_name", "length")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    offset: int
    file_name: str
    length: int
    def __init__(self, asset_id: _Optional[str] = ..., offset: _Optional[int] = ..., file_name: _Optional[str] = ..., length: _Optional[int] = ...) -> None: ...

class AssetChunk(_message.Message):
    __slots__ = ("offset", "data", "total_size")
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    offset: int
    data: bytes
    total_size: int
    def __init__(self, offset: _Optional[int] = ..., data: _Optional[bytes] = ..., total_size: _Optional[int] = ...) -> None: ...

class StatAssetRequest(_message.Message):
    __slots__ = ("asset_id",)
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    def __init__(self, asset_id: _Optional[str] = ...) -> None: ...

class Backend(_message.Message):
    __slots__ = ("name", "kind", "available", "reason", "default")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: BackendKind
    available: bool
    reason: str
    default: bool
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[BackendKind, str]] = ..., available: _Optional[bool] = ..., reason: _Optional[str] = ..., default: _Optional[bool] = ...) -> None: ...

class ListBackendsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListBackendsResponse(_message.Message):
    __slots__ = ("backends",)
    BACKENDS_FIELD_NUMBER: _ClassVar[int]
    backends: _containers.RepeatedCompositeFieldContainer[Backend]
    def __init__(self, backends: _Optional[_Iterable[_Union[Backend, _Mapping]]] = ...) -> None: ...
