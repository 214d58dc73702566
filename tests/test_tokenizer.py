"""The word-level tokenizer: the whole caption grammar is in vocabulary, and every bad prompt is refused clearly."""
import pytest
import torch

from toolkit.data import ShapesWorld, WorldConfig
from toolkit.models.text_encoder import TextEncoderConfig
from toolkit.text import Tokenizer, UnknownWordsError
from toolkit.text.tokenizer import MAX_LENGTH, grammar_words, split_words

TOKENIZER = Tokenizer()


def world_captions() -> list[str]:
    """A few hundred captions of every kind the world writes: clips of one and two objects, and images."""
    captions = []
    for config in (WorldConfig(frames=16, objects=2), WorldConfig(frames=16), WorldConfig(frames=1)):
        for split in ("train", "all"):
            captions += ShapesWorld(config).sample(100, seed=3, split=split).captions
    return captions


CAPTIONS = world_captions()


def test_every_caption_of_the_world_is_in_vocabulary_and_fits():
    tokens = TOKENIZER(CAPTIONS, strict=True)                 # strict: an unknown word would raise
    assert tokens.unknown == [[] for _ in CAPTIONS]
    assert tokens.mask.sum(dim=1).max() <= MAX_LENGTH
    assert any(" and a" in c for c in CAPTIONS) and any("," in c for c in CAPTIONS)   # both forms were drawn


def test_decode_round_trips_every_caption():
    tokens = TOKENIZER(CAPTIONS)
    for row, text in zip(tokens.ids, CAPTIONS):
        assert TOKENIZER.decode(row) == text


def test_padding_and_mask():
    prompts = ["a red circle", "a huge golden disc, moving left", "box"]
    tokens = TOKENIZER(prompts)
    assert tokens.ids.shape == tokens.mask.shape == (3, MAX_LENGTH) and len(tokens) == 3
    assert tokens.ids.dtype == torch.long and tokens.mask.dtype == torch.bool
    assert tokens.mask.sum(dim=1).tolist() == [3 + 2, 7 + 2, 1 + 2]          # words + <bos> + <eos>
    assert (tokens.ids[:, 0] == TOKENIZER.bos_id).all()
    for row, mask in zip(tokens.ids, tokens.mask):
        n = int(mask.sum())
        assert mask[:n].all() and not mask[n:].any()                         # real tokens first, then padding
        assert row[n - 1] == TOKENIZER.eos_id and (row[n:] == TOKENIZER.pad_id).all()
    assert TOKENIZER("a red circle").ids.shape == (1, MAX_LENGTH)             # a single string is a batch of one


def test_unknown_words_are_dropped_listed_and_warned_about():
    with pytest.warns(UserWarning, match="brightly") as caught:
        tokens = TOKENIZER(["a brightly red circle", "a blue square"])
    assert len(caught) == 1 and "a blue square" not in str(caught[0].message)    # only the prompt at fault
    assert tokens.unknown == [["brightly"], []]
    assert TOKENIZER.decode(tokens.ids[0]) == "a red circle"
    assert torch.equal(tokens.ids[0], TOKENIZER("a red circle").ids[0])


def test_warn_false_is_silent(recwarn):
    tokens = TOKENIZER("a zorp circle", warn=False)
    assert tokens.unknown == [["zorp"]] and len(recwarn) == 0


def test_strict_raises_naming_the_word():
    with pytest.raises(UnknownWordsError, match="zorp"):
        TOKENIZER(["a red circle", "a zorp circle"], strict=True)
    assert issubclass(UnknownWordsError, ValueError)


@pytest.mark.parametrize("prompt", ["", "   \n\t", "zorp glorp"])
def test_prompts_with_nothing_to_draw_raise(prompt):
    with pytest.raises(ValueError, match="empty|no word"):
        TOKENIZER(prompt, warn=False)


@pytest.mark.parametrize("prompt", [None, 3, [1], ["a red circle", None], []])
def test_non_text_prompts_raise_type_error(prompt):
    with pytest.raises(TypeError, match="string"):
        TOKENIZER(prompt)


def test_overlong_prompt_raises_naming_the_maximum():
    with pytest.raises(ValueError, match=f"at most {MAX_LENGTH - 2}"):
        TOKENIZER("red " * 50)
    TOKENIZER("red " * (MAX_LENGTH - 2))                                     # exactly the maximum fits


def test_tokenizer_rejects_a_max_length_with_no_room():
    with pytest.raises(ValueError, match="max_length"):
        Tokenizer(max_length=2)


def test_null_prompts_are_bos_eos():
    null = TOKENIZER.null(3)
    assert null.ids.shape == (3, MAX_LENGTH) and null.unknown == [[], [], []]
    assert (null.ids[:, :2] == torch.tensor([TOKENIZER.bos_id, TOKENIZER.eos_id])).all()
    assert null.mask.sum(dim=1).tolist() == [2, 2, 2]
    assert TOKENIZER.decode(null.ids[0]) == ""


def test_vocabulary_is_deterministic_and_matches_the_encoder_default():
    assert Tokenizer().vocab == Tokenizer().vocab
    assert len(set(TOKENIZER.vocab)) == len(TOKENIZER)                       # no duplicates
    assert TOKENIZER.vocab[:3] == ["<pad>", "<bos>", "<eos>"]
    # The encoder's default vocab_size is tied to the grammar: adding a synonym must update both.
    assert len(TOKENIZER) == TextEncoderConfig().vocab_size == 70
    assert set(grammar_words()) >= {"circle", "plus", "sign", "up-left", ",", "."}


def test_split_words():
    assert split_words("A red disc, drifting up-left.") == ["a", "red", "disc", ",", "drifting", "up-left", "."]
