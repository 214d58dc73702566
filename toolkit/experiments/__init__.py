"""The experiments floor: the scripts that run whole pipelines and write the measured tables the notebooks and
the README show (assets/metrics/NAME.json), one a table, each run as `python -m toolkit.experiments.NAME`.

    text_to_image    notebook 04   adherence across guidance scales (toolkit.eval.adherence)
    rate_distortion  notebook 05   JPEG, H.264 and the VAEs (toolkit.eval.codecs)
    latent_cost      notebook 06   pixel against latent diffusion (toolkit.eval.cost)
    text_to_video    notebooks 07-08   every text-to-video contender (toolkit.eval.video_adherence)
    digits           notebook 08b  the bouncing digits (toolkit.eval.digits)
    sound_video      notebook 09   synchrony of sound and picture (toolkit.eval.sync)
    energy           notebook 10   compute and energy (toolkit.eval.energy)
    beyond           notebook 11   image to video, SDEdit, extension past the window (toolkit.eval.beyond)

The measures themselves stay in toolkit.eval; each table records the command that wrote it.
"""
