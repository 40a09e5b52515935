// Precompiled header for core: the LibTorch headers every tensor file needs (one LibTorch
// translation unit costs ~30 s to compile here; the PCH pays that once).
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/serialize.h>
#include <torch/utils.h>

#include <QJsonObject>
#include <string>
#include <vector>
