"""The video playground: type a prompt, move guidance, seed, steps and sampler, and see the clip and whether
it shows what was asked.

    video_playground(TextToVideoPipeline.from_pretrained())

Each change generates one clip with the live model (about 1 s on 2 CPU cores for the `cpu` transformer at the
default 12 Heun steps, decoding included), with "drawing..." shown meanwhile. The clip is drawn as a strip of
frames with the object's path on them (`frames_figure`), and under it the attribute reader's verdict: what
the prompt names against what the reader sees. Words the model does not know are listed instead of a
warning; a prompt it cannot draw (empty, no known word) gives a message, not a traceback. Without a live
kernel (a notebook read on a repository page) the widget is not drawn; show a static figure beside it.
"""
import html
import time
import warnings

import matplotlib.pyplot as plt

from ..eval import read_clips
from ..generate import asked_by
from .frames_viewer import frames_figure

ATTRIBUTES = ("shape", "colour", "size", "motion")


def verdict_html(asked: dict, seen: dict) -> str:
    """A small table, one row per attribute: asked, seen, and whether they agree, in words and symbols (no
    meaning carried by colour alone)."""
    rows = []
    for key in ATTRIBUTES:
        want, got = asked.get(key), seen.get(key)
        mark = "· not asked" if want is None else ("✓ as asked" if want == got else "✗ not as asked")
        cells = (key, want or "", got or "unreadable", mark)
        rows.append("<tr>" + "".join(f"<td style='padding:0 12px 0 0'>{html.escape(c)}</td>" for c in cells) + "</tr>")
    named = [k for k in ATTRIBUTES if asked.get(k) is not None]
    right = sum(asked[k] == seen.get(k) for k in named)
    head = "".join(f"<th style='text-align:left;padding:0 12px 0 0'>{h}</th>"
                   for h in ("attribute", "the prompt asks", "the reader sees", ""))
    return (f"<b>the reader's verdict: {right} of {len(named)} named attributes as asked</b>"
            f"<table style='font-size:90%'><tr>{head}</tr>{''.join(rows)}</table>")


def video_playground(pipe, prompt: str = "a small green triangle moving up then down", steps: int = 12,
                     columns: int = 8):
    """An ipywidgets playground for a TextToVideoPipeline: prompt, guidance scale, seed, steps and sampler;
    every change generates one clip and shows `columns` of its frames and the reader's verdict.

    Returns a VBox: [prompt, HBox(scale, seed), HBox(steps, sampler), the figure (Output), verdict (HTML),
    status (Label)]."""
    import ipywidgets as widgets
    from IPython.display import display

    from ..diffusion import FLOW_SAMPLERS, SAMPLERS

    controls = {
        "prompt": widgets.Text(value=prompt, description="prompt", continuous_update=False,
                               layout=widgets.Layout(width="480px")),
        "guidance_scale": widgets.FloatSlider(value=2.0, min=0.0, max=10.0, step=0.5, description="guidance",
                                              continuous_update=False),
        "seed": widgets.IntSlider(value=0, min=0, max=99, description="seed", continuous_update=False),
        "steps": widgets.IntSlider(value=steps, min=1, max=50, description="steps", continuous_update=False),
        "sampler": widgets.Dropdown(options=list(FLOW_SAMPLERS) + list(SAMPLERS), value="flow_heun",
                                    description="sampler"),
    }
    out, verdict, status = widgets.Output(), widgets.HTML(), widgets.Label()

    def draw(_=None):
        args = {k: w.value for k, w in controls.items()}
        text = args.pop("prompt")
        status.value = "drawing..."
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")                # unknown words are listed below instead
                result = pipe(text, **args)
            asked = asked_by(text)
        except (ValueError, TypeError) as error:               # an empty prompt, no known word, ...
            out.clear_output()
            verdict.value = ""
            status.value = f"cannot draw: {error}"
            return
        video = result.videos[0]
        reading = read_clips(video[None])[0]                   # read once: for the path and for the verdict
        with out:
            out.clear_output(wait=True)
            fig = frames_figure(video, reading, frames=columns, title=f"“{text}”, seed {args['seed']}")
            display(fig)
            plt.close(fig)
        verdict.value = verdict_html(asked, reading.as_dict())
        ignored = sorted(set(result.unknown[0]))
        status.value = (f"drawn in {time.perf_counter() - start:.1f} s"
                        + (f"; ignored words the model does not know: {', '.join(ignored)}" if ignored else ""))

    for widget in controls.values():
        widget.observe(draw, "value")
    draw()
    return widgets.VBox([controls["prompt"], widgets.HBox([controls["guidance_scale"], controls["seed"]]),
                         widgets.HBox([controls["steps"], controls["sampler"]]), out, verdict, status])
