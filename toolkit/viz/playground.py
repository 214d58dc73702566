"""The guidance playground: type a prompt, move the guidance scale, and watch the pictures change.

    guidance_playground(TextToImagePipeline.from_pretrained())

Each change redraws `num_images` pictures with the live model: 0.6 s on 2 CPU cores at the default 12 steps
with classifier-free guidance (1.1 s at 20 steps), with "drawing..." shown meanwhile.
Words the model does not know are listed under the pictures instead of a warning. Without a live kernel (a
notebook read on a repository page) the widget is not drawn; show a static figure beside it.
"""
import warnings

import matplotlib.pyplot as plt

from .figures import to_numpy_image


def guidance_playground(pipe, prompt: str = "a large yellow circle", num_images: int = 4):
    import ipywidgets as widgets
    from IPython.display import display

    from ..diffusion import FLOW_SAMPLERS, SAMPLERS

    controls = {
        "prompt": widgets.Text(value=prompt, description="prompt", continuous_update=False,
                               layout=widgets.Layout(width="420px")),
        "guidance": widgets.Dropdown(options=[("classifier-free", "cfg"), ("classifier (CLIP)", "classifier")],
                                     value="cfg", description="guidance"),
        "guidance_scale": widgets.FloatSlider(value=2.0, min=0.0, max=20.0, step=0.5, description="scale",
                                              continuous_update=False),
        "seed": widgets.IntSlider(value=0, min=0, max=99, description="seed", continuous_update=False),
        "steps": widgets.IntSlider(value=12, min=1, max=50, description="steps", continuous_update=False),
        "sampler": widgets.Dropdown(options=list(FLOW_SAMPLERS) + list(SAMPLERS), value="flow_heun",
                                    description="sampler"),
    }
    status = widgets.Label()
    out = widgets.Output()

    def draw(_=None):
        args = {k: w.value for k, w in controls.items()}
        status.value = "drawing..."
        with out:
            out.clear_output(wait=True)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")            # unknown words are shown below instead
                    result = pipe(args.pop("prompt"), num_images=num_images, **args)
            except (ValueError, TypeError) as error:           # an empty prompt, no known word, ...
                status.value = f"cannot draw: {error}"
                return
            fig, axes = plt.subplots(1, num_images, figsize=(1.8 * num_images, 2.0), squeeze=False)
            for ax, image in zip(axes[0], result.images):
                ax.imshow(to_numpy_image(image), interpolation="nearest"), ax.axis("off")
            fig.tight_layout()
            display(fig)
            plt.close(fig)
        ignored = sorted(set(result.unknown[0]))
        status.value = f"ignored words the model does not know: {', '.join(ignored)}" if ignored else ""

    for widget in controls.values():
        widget.observe(draw, "value")
    draw()
    return widgets.VBox([widgets.HBox([controls["prompt"], controls["guidance"]]),
                         widgets.HBox([controls["guidance_scale"], controls["seed"]]),
                         widgets.HBox([controls["steps"], controls["sampler"]]), out, status])
