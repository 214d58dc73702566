"""The training floor: each recipe trains one of the course's models from nothing, measures it, and ships it
(weights, and a manifest with the config, the exact command and the measured figures).

    python -m toolkit.recipes.NAME train [--steps N] [--out FOLDER] [--runs FOLDER]     (cli.py)

    denoising        notebook 01   photo_denoiser
    image_diffusion  notebooks 02-03   shapes_epsilon_unet, shapes_velocity_unet
    feature_classifier  notebook 03   feature_classifier (the judge of the Frechet distance)
    contrastive      notebook 04   shapes_clip, text_encoder, shapes_clip_noisy, shapes_clip_video
    text_to_image    notebooks 04, 06   shapes_text_unet, shapes_latent_text_unet
    autoencoder      notebook 05   shapes_vae, shapes_video_vae
    video_diffusion  notebook 07   shapes_spacetime_unet
    text_to_video    notebook 08   shapes_video_dit
    digits_video     notebook 08b  digits_classifier, digits_clip, digits_video_vae, digits_video_dit
    sound_video      notebook 09   shapes_audio_ae, shapes_sound_video_dit, shapes_sound_dit
    train            the one training loop they share (accelerate, EMA, exact resume)

Recipes import the floors below them (data, diffusion, models, text, eval, zoo); nothing outside this folder
imports a recipe (tests/test_layers.py): the pipelines and evaluations load the shipped models with toolkit.zoo.
"""
