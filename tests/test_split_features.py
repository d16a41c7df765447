"""catgan.split_features: the labelled-set features on hand-made splits, and label-free means label-free."""

import math

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from catgan import split_features
from catgan.split_features import label_set_features, spreading_features

# 1-D images: class 0 at 0, 1, 2, 3; class 1 at 4.5 (an atypical one, next to class 0), 10, 11, 12
Z = np.array([0.0, 1.0, 2.0, 3.0, 4.5, 10.0, 11.0, 12.0])[:, None]
Y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
LABELED = np.array([1, 4])  # the class-1 label is the atypical image
CLUSTERS = np.array([0, 0, 1, 1, 1, 2, 2, 2])
# each image's 2 nearest other images (distances, indices), written out by hand
KNN = (
    np.array([[1, 2], [1, 1], [1, 1], [1, 1.5], [1.5, 2.5], [1, 2], [1, 1], [1, 2]], dtype=float),
    np.array([[1, 2], [0, 2], [1, 3], [2, 4], [3, 2], [6, 7], [5, 7], [6, 5]]),
)


def test_label_set_features_by_hand():
    f = label_set_features(Z, Y, LABELED, CLUSTERS, KNN, num_classes=2)
    # distance to the class mean over the class's mean distance: class 0 mean 1.5 (0.5 / 1.0), class 1 mean 9.375
    np.testing.assert_allclose(f["typicality"], [0.5, 4.875 / 2.4375])
    np.testing.assert_allclose(f["label_knn_purity"], [1.0, 0.0])  # 4.5's neighbours 3 and 2 are both class 0
    np.testing.assert_allclose(f["label_density"], [1 / 1.625, 2.5 / 1.625])  # mean 2nd-neighbour distance 13 / 8
    np.testing.assert_allclose(f["label_loo_error"], [1.0, 1.0])  # each label's nearest other label is the other class
    np.testing.assert_allclose(f["nn1_error"], [1 / 3, 0.0])  # 3 is nearer 4.5 than 1: one of class 0's 0, 2, 3 wrong
    # cluster {2, 3, 4.5} is mostly class 0 but holds only a class-1 label; cluster {10, 11, 12} holds none
    np.testing.assert_allclose(f["uncovered_mass"], [0.5, 1.0])
    np.testing.assert_allclose(f["empty_cluster_mass"], [3 / 8, 3 / 8])
    np.testing.assert_allclose(f["cluster_conflict"], [0.0, 0.0])
    np.testing.assert_allclose(f["label_silhouette"], [0.0, 0.0])  # one label per class: sklearn's 0


def test_spreading_features_on_two_components_by_hand():
    # two disconnected 2-NN components {0, 1, 2, 3} and {4, 5, 6}, one label in each; image 6 is truly class 0
    neighbors = np.array([[1, 2], [2, 3], [3, 0], [0, 1], [5, 6], [4, 6], [4, 5]])
    y = np.array([0, 0, 0, 0, 1, 1, 0])
    f = spreading_features(neighbors, y, np.array([0, 4]), num_classes=2)
    np.testing.assert_allclose(f["spread_error"], [1 / 4, 0.0])
    np.testing.assert_allclose(f["spread_confidence"], [1.0, 1.0])
    imbalance = 0.6 * math.log(0.6 * 2) + 0.4 * math.log(0.4 * 2)  # predicted shares 3/5 and 2/5 against 1/2
    np.testing.assert_allclose(f["spread_imbalance"], [imbalance, imbalance])


@pytest.mark.parametrize("name", split_features.LABEL_FREE)
def test_label_free_features_ignore_the_hidden_labels(name):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(60, 3))
    y = np.repeat(np.arange(3), 20)
    labeled = np.array([0, 1, 20, 21, 40, 41])
    clusters = rng.integers(0, 6, size=60)
    knn = NearestNeighbors(n_neighbors=5).fit(z).kneighbors()
    shuffled = y.copy()
    rest = np.setdiff1d(np.arange(60), labeled)
    shuffled[rest] = rng.permutation(y[rest])[::-1]

    def features(labels):
        return {
            **label_set_features(z, labels, labeled, clusters, knn, 3),
            **spreading_features(knn[1], labels, labeled, 3),
        }

    np.testing.assert_allclose(features(y)[name], features(shuffled)[name])
    assert not np.allclose(features(y)["nn1_error"], features(shuffled)["nn1_error"])  # the hidden ones do change


def test_label_silhouette_by_hand():
    z = np.array([0.0, 1.0, 10.0, 12.0, 5.0, 11.5])[:, None]
    y, labeled = np.array([0, 0, 1, 1, 0, 1]), np.arange(4)
    knn = NearestNeighbors(n_neighbors=2).fit(z).kneighbors()
    f = label_set_features(z, y, labeled, np.zeros(6, dtype=int), knn, num_classes=2)
    # (b - a) / max(a, b): 0 -> (11 - 1) / 11, 1 -> (10 - 1) / 10, 10 -> (9.5 - 2) / 9.5, 12 -> (11.5 - 2) / 11.5
    np.testing.assert_allclose(f["label_silhouette"], [(10 / 11 + 0.9) / 2, (7.5 / 9.5 + 9.5 / 11.5) / 2])
