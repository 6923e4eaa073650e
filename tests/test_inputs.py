"""The checked input components: what reaches a handler is typed and in range, or the page shows one sentence; the
API page declares what the server accepts; every component renders as Gradio's own."""

import math

import gradio as gr
import pytest

import app
from ui import inputs, params
from ui.inputs import Choice, Choices, Flag, ModelName, OptionalReal, Real, RealSlider, Whole, WholeSlider
from ui.intake import SIZES, resolution


@pytest.mark.parametrize("bad", [math.nan, math.inf, "12", None, [1], {"a": 1}, True, 2.5, 10**30, -1, 1000])
def test_a_whole_slider_refuses_everything_but_its_whole_numbers(bad):
    t = WholeSlider(0, 999, value=3, step=1, label="Timestep t")
    with pytest.raises(gr.Error, match="Timestep t must be a whole number from 0 to 999"):
        t.preprocess(bad)
    assert t.preprocess(7) == 7 and t.preprocess(7.0) == 7 and type(t.preprocess(7.0)) is int


@pytest.mark.parametrize("bad", [math.nan, -math.inf, "0.5", None, False])
def test_real_values_are_finite_numbers(bad):
    with pytest.raises(gr.Error, match="η"):
        RealSlider(0, 1, value=0.0, label="η").preprocess(bad)
    with pytest.raises(gr.Error, match="β_start"):
        Real(0.1, label="β_start").preprocess(bad)
    assert OptionalReal(0.1, label="β_start").preprocess(None) is None


def test_seeds_from_zero_to_max_seed():
    seed = Whole(0, label="Seed")
    assert seed.preprocess(params.MAX_SEED) == params.MAX_SEED
    for bad in (10**30, None, -1, math.nan, "7"):
        with pytest.raises(gr.Error, match="Seed must be a whole number from 0 to 4294967295"):
            seed.preprocess(bad)


def test_choices_are_of_the_declared_type_both_ways():
    size = Choice(list(SIZES), value=256, label="Resolution (px)")
    assert size.api_info() == {"enum": [64, 128, 256], "title": "Radio", "type": "integer"}
    assert size.preprocess(64) == 64
    for bad in ("64", 64.0, None, True, 100):  # an integer radio takes integers only
        with pytest.raises(gr.Error, match="Resolution \\(px\\) must be one of 64, 128, 256"):
            size.preprocess(bad)
    kinds = Choices(["linear", "cosine"], value=["linear"], label="Schedules")
    assert kinds.preprocess(["cosine", "cosine"]) == ["cosine"]
    for bad in ("linear", None, ["tanh"]):
        with pytest.raises(gr.Error):
            kinds.preprocess(bad)
    assert Flag(True, label="Clip").preprocess(False) is False
    with pytest.raises(gr.Error):
        Flag(True, label="Clip").preprocess("yes")
    with pytest.raises(gr.Error, match="at most 300 characters"):
        ModelName(["a"], value="a", allow_custom_value=True).preprocess("x" * 5000)


def test_the_api_page_and_the_page_see_gradios_own_components():
    demo = app.build_demo(device="cpu")
    types = {block.get_block_name() for block in demo.blocks.values()}
    assert {"slider", "radio", "number", "image", "imageeditor", "checkbox", "checkboxgroup", "dropdown"} <= types
    assert not any(name.startswith(("whole", "choice", "sketch", "real", "pick", "flag")) for name in types)
    info = demo.get_api_info()["named_endpoints"]
    size = next(p for p in info["/set_resolution"]["parameters"] if p["label"] == "Resolution (px)")
    assert size["type"] == {"enum": ["64", "128", "256"], "title": "Radio", "type": "string"}  # what the page sends
    assert size["python_type"]["type"] == "Literal['64', '128', '256']"  # and what the API page tells a caller
    assert resolution("64") == resolution(64) == 64


def test_the_page_gets_every_property_of_a_checked_component():
    """Gradio sends the page the arguments of a component class's own __init__: ours must not hide Gradio's."""
    demo = app.build_demo(device="cpu")
    checked = {b._id for b in demo.blocks.values() if type(b).__module__ == inputs.__name__}
    configs = [c for c in demo.get_config_file()["components"] if c["id"] in checked]
    assert len(configs) == len(checked) > 20
    for config in configs:
        assert {"label", "visible", "container"} <= set(config["props"]), config


@pytest.mark.parametrize("component", [inputs.ImageInput(), inputs.SketchInput()])
@pytest.mark.parametrize("bad", [-1, 10**30, "x", [], True, 2.5, "64"])
def test_an_image_input_answers_a_non_image_payload_with_a_sentence(component, bad):
    """Gradio validates a payload against the data model before ``preprocess``: that failure is a sentence too."""
    with pytest.raises(gr.Error, match="must be an image file or a data: URL"):
        component.data_model.model_validate(bad, context={"validate_meta": True})


def test_the_sentenced_data_models_keep_gradios_schema():
    assert inputs.ImageInput().api_info() == gr.Image().api_info()
    assert inputs.SketchInput().api_info() == gr.Sketchpad().api_info()
    valid = {"path": None, "url": "data:image/png;base64,AAAA", "meta": {"_type": "gradio.FileData"}}
    assert inputs.ImageInput().data_model.model_validate(valid).url == valid["url"]
