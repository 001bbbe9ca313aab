"""fixyasic: FixyNN fixed feature extractors as hard-wired sky130 logic, via SiliconCompiler."""

__version__ = "0.1.0"
