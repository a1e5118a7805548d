"""triplet: a joint embedding of two digit domains by a cross-domain triplet loss
(shared/SPEC.md), measured by retrieval across domains and nearest-neighbour labelling.

Training is resumable at any step; the evaluation is recomputed on resume.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from pydantic import PositiveInt

from minimaxlab.config import ExperimentConfig, StrictModel
from minimaxlab.data.config import ImageDataConfig
from minimaxlab.data.domains import Domain, load_pair
from minimaxlab.domains.figures import save_domain_examples, save_projection, save_retrievals
from minimaxlab.domains.retrieval import (
    embed,
    knn_accuracy,
    nearest,
    precision_at_k,
    precision_ceiling,
)
from minimaxlab.domains.triplet import TripletTrainConfig, train_embedding
from minimaxlab.experiments.base import Experiment, KeyNumber, RunContext
from minimaxlab.models.digits import DomainEmbedder
from minimaxlab.report.account import number
from minimaxlab.reproducibility import derived_seed
from minimaxlab.runs import Run

INIT_STREAM, PROJECTION_STREAM = 21, 22
RETRIEVAL_EXAMPLES = (8, 7)  # queries, retrieved per query


class EmbedderConfig(StrictModel):
    width: PositiveInt = 16  # channels of each domain's first convolution; then 2× and 4×
    embedding_dim: PositiveInt = 64


class TripletEvalConfig(StrictModel):
    precision_at: list[PositiveInt] = [1, 10, 100]
    neighbours: list[PositiveInt] = [1, 5]  # k of the k-nearest-neighbour labelling
    gallery_limit: PositiveInt | None = 10000  # labelled training images per domain for k-NN
    projection: Literal["tsne", "pca"] = "tsne"
    projection_points: PositiveInt = 500  # test images per domain in the 2-D map


class TripletConfig(ExperimentConfig):
    experiment: str = "triplet"
    # Colour is kept for domain B. Offline (no mnist or svhn files): digits + syndigits.
    domain_a: ImageDataConfig = ImageDataConfig(name="mnist", fallbacks=["digits"], image_size=32)
    domain_b: ImageDataConfig = ImageDataConfig(name="svhn", fallbacks=["syndigits"], image_size=32)
    test_limit: PositiveInt | None = None  # test images per domain; all when null
    model: EmbedderConfig = EmbedderConfig()
    train: TripletTrainConfig = TripletTrainConfig()
    evaluation: TripletEvalConfig = TripletEvalConfig()


def evaluate(
    model: DomainEmbedder, domains: dict[str, Domain], config: TripletEvalConfig
) -> dict[str, Any]:
    """Retrieval (test queries of one domain against the other's test split) and k-NN
    labelling (test queries against the labelled training images of a domain), both ways."""
    test = {k: embed(model, d, d.test.images) for k, d in domains.items()}
    gallery_n = {
        k: min(len(d.train), config.gallery_limit or len(d.train)) for k, d in domains.items()
    }
    train = {k: embed(model, d, d.train.images[: gallery_n[k]]) for k, d in domains.items()}
    result: dict[str, Any] = {"retrieval": {}, "best_possible": {}, "knn": {}}
    for query, other in (("A", "B"), ("B", "A")):
        q, g = domains[query], domains[other]
        direction = f"{query}→{other}"
        result["retrieval"][direction] = precision_at_k(
            test[query], q.test.labels, test[other], g.test.labels, config.precision_at
        )
        result["best_possible"][direction] = precision_ceiling(
            q.test.labels, g.test.labels, config.precision_at
        )
        for labelled_by in (other, query):  # across domains, and the within-domain reference
            result["knn"][f"{query} by {labelled_by}"] = knn_accuracy(
                test[query],
                q.test.labels,
                train[labelled_by],
                domains[labelled_by].train.labels[: gallery_n[labelled_by]],
                config.neighbours,
            )
    result["test_embeddings"] = test
    return result


def _project(
    evaluation: dict[str, Any],
    domains: dict[str, Domain],
    config: TripletConfig,
    path: Path,
    title: str,
) -> None:
    """A 2-D map (t-SNE or PCA) of test embeddings of both domains."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    n = config.evaluation.projection_points
    points, labels, which = [], [], []
    for key, domain in domains.items():
        take = min(n, len(domain.test))
        points.append(evaluation["test_embeddings"][key][:take].cpu().numpy())
        labels.append(domain.test.labels[:take].cpu().numpy())
        which += [key] * take
    stacked = np.concatenate(points)
    random_state = derived_seed(config.seed, PROJECTION_STREAM) % 2**32
    if config.evaluation.projection == "tsne":
        perplexity = min(30.0, (len(stacked) - 1) / 3)
        mapped = TSNE(2, perplexity=perplexity, init="pca", random_state=random_state)
        flat = mapped.fit_transform(stacked)
    else:
        flat = PCA(2, random_state=random_state).fit_transform(stacked)
    labels_by_domain = {k: d.label for k, d in domains.items()}
    save_projection(flat, np.concatenate(labels), np.array(which), labels_by_domain, path, title)


def _tables(
    before: dict[str, Any],
    after: dict[str, Any],
    config: TripletConfig,
    domains: dict[str, Domain],
) -> dict[str, Any]:
    ks, neighbours = config.evaluation.precision_at, config.evaluation.neighbours
    retrieval = [
        [direction, state, *(f"{100 * numbers[direction][k]:.1f}%" for k in ks)]
        for direction in after["retrieval"]
        for state, numbers in (
            ("trained", after["retrieval"]),
            ("untrained", before["retrieval"]),
            ("best possible", after["best_possible"]),
        )
    ]
    knn = [
        [name, state, *(f"{100 * numbers[name][k]:.1f}%" for k in neighbours)]
        for name in after["knn"]
        for state, numbers in (("trained", after["knn"]), ("untrained", before["knn"]))
    ]
    names = ", ".join(d.label for d in domains.values())
    return {
        f"Cross-domain retrieval precision@k ({names}; test queries against the other "
        "domain's test images; chance ≈ 10%)": {
            "header": ["query → gallery", "network", *(f"P@{k}" for k in ks)],
            "rows": retrieval,
        },
        "Nearest-neighbour labelling (test images labelled by a domain's training images; "
        "'A by A' is the within-domain reference)": {
            "header": ["queries by labelled", "network", *(f"{k}-NN accuracy" for k in neighbours)],
            "rows": knn,
        },
    }


def _numbers(evaluation: dict[str, Any]) -> dict[str, Any]:
    return {key: evaluation[key] for key in ("retrieval", "knn")}


def run(config: TripletConfig, context: RunContext) -> dict[str, Any]:
    domains = load_pair(
        config.domain_a, config.domain_b, config.test_limit, context.device, same_channels=False
    )
    save_domain_examples(domains, context.run.figure_path("examples.png"))
    model = _initial_model(config, domains, context.device)
    before = evaluate(model, domains, config.evaluation)
    training = train_embedding(
        model,
        domains,
        config.train,
        seed=config.seed,
        run=context.run,
        stop=context.stop,
        progress=context.progress,
    )
    context.run.save_torch("embedder.pt", model.state_dict())
    after = evaluate(model, domains, config.evaluation)
    _save_maps({"trained": after, "untrained": before}, domains, config, context.run)
    _save_retrievals(after, domains, context.run)
    return {
        "domains": {key: domain.summary() for key, domain in domains.items()},
        "parameters": sum(p.numel() for p in model.parameters()),
        "steps": training["steps"],
        "seconds": training["seconds"],
        "trained": _numbers(after),
        "untrained": _numbers(before),
        "tables": _tables(before, after, config, domains),
    }


def _initial_model(
    config: TripletConfig, domains: dict[str, Domain], device: torch.device
) -> DomainEmbedder:
    """The untrained embedder, seeded apart from the caller's random streams."""
    channels = {k: d.train.shape[0] for k, d in domains.items()}
    size = domains["A"].train.shape[1]
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(derived_seed(config.seed, INIT_STREAM))
        return DomainEmbedder(channels, size, **config.model.model_dump()).to(device)


def _save_maps(
    evaluations: dict[str, dict[str, Any]],
    domains: dict[str, Domain],
    config: TripletConfig,
    run: Run,
) -> None:
    """The 2-D map of the test embeddings, once per network state ("trained", "untrained")."""
    method = "t-SNE" if config.evaluation.projection == "tsne" else "PCA"
    for state, evaluation in evaluations.items():
        title = f"{method} of the {state} embedding of test images"
        _project(evaluation, domains, config, run.figure_path(f"map_{state}.png"), title)


def _save_retrievals(evaluation: dict[str, Any], domains: dict[str, Domain], run: Run) -> None:
    """The first test queries of each domain and what they retrieve from the other."""
    queries, shown = RETRIEVAL_EXAMPLES
    embeddings = evaluation["test_embeddings"]
    for query, other in (("A", "B"), ("B", "A")):
        found = nearest(embeddings[query][:queries], embeddings[other], shown)
        save_retrievals(
            domains[query].test.images[:queries].cpu(),
            domains[other].test.images[found].cpu(),
            run.figure_path(f"retrieved_{query}_to_{other}.png"),
        )


def account(summary: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """The embedding trained, then retrieval and labelling across domains against chance."""
    a, b = summary["domains"]["A"], summary["domains"]["B"]
    retrieval, labelling = (table["rows"] for table in summary["tables"].values())

    def cell(rows: list[list[Any]], first: str, network: str) -> str:
        return next(row for row in rows if row[0] == first and row[1] == network)[2]

    return [
        f"One embedding network ({number(summary['parameters'])} parameters) was trained for "
        f"{number(summary['steps'])} steps with a triplet loss across {a['data']} and "
        f"{b['data']}: an anchor from one domain, a positive of its class and a negative of "
        "another class from the other domain, both ways round.",
        f"Across domains, the nearest test image of the other domain has the query's class "
        f"(precision@1) for {cell(retrieval, 'A→B', 'trained')} of A's queries and "
        f"{cell(retrieval, 'B→A', 'trained')} of B's; the untrained network scores "
        f"{cell(retrieval, 'A→B', 'untrained')} and {cell(retrieval, 'B→A', 'untrained')}.",
        f"Labelled by the other domain's nearest training image, A is "
        f"{cell(labelling, 'A by B', 'trained')} correct and B "
        f"{cell(labelling, 'B by A', 'trained')}; within one domain (A by A, B by B) the "
        f"same measure gives {cell(labelling, 'A by A', 'trained')} and "
        f"{cell(labelling, 'B by B', 'trained')}.",
    ]


EXPERIMENT = Experiment(
    name="triplet",
    description="A joint embedding of two digit domains (colour kept) by a cross-domain triplet "
    "loss: retrieval precision@k, nearest-neighbour labelling, a 2-D map.",
    config_class=TripletConfig,
    run=run,
    account=account,
    key_numbers=(
        KeyNumber("precision@1, A retrieves B", "trained.retrieval.A→B.1"),
        KeyNumber("precision@1, B retrieves A", "trained.retrieval.B→A.1"),
        KeyNumber("1-NN accuracy, A classified by B", "trained.knn.A by B.1"),
        KeyNumber("1-NN accuracy, B classified by A", "trained.knn.B by A.1"),
    ),
)
