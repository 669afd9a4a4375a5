"""``value_model``: a walk-forward logistic regression on form, connections and the market, betting on value.

The model is refit at the start of every month on the ``train_days`` before it (labels through
``Context.training_rows``, so it never sees the month it predicts), then scores that month's runners. Its win
probability is normalised within each race (a binary model's probabilities need not sum to one) and a runner is
backed when p × odds − 1 ≥ ``edge``. The market's own probability is one of the inputs: the model's job is to learn
where the public is wrong (form, wet going, first-time starters), not to rediscover the favourite. Logistic
regression is fitted with numpy (Newton steps with a small L2 penalty) because it is a dozen lines and keeps
scikit-learn out of the dependencies.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from backtests.strategies.base import Context, Param, Strategy
from backtests.strategies.registry import register

INPUTS = ("log_market_p", "horse_win_rate", "has_form", "jockey_win_rate", "trainer_win_rate", "is_debut",
          "debut_trainer_rate", "wet_form_gap", "draw_share", "log_days_off")


def design(frame: pd.DataFrame) -> np.ndarray:
    """The model's inputs, one row per runner; missing rates become 0 with ``has_form`` saying why."""
    market = 1 / frame["odds"]
    market = market / market.groupby(frame["event_key"]).transform("sum")
    wet_gap = (frame["horse_wet_win_rate"] - frame["horse_dry_win_rate"].fillna(0)).fillna(0) * frame["is_wet_dirt"]
    columns = {
        "log_market_p": np.log(market), "horse_win_rate": frame["horse_win_rate"].fillna(0),
        "has_form": frame["horse_starts"] > 0, "jockey_win_rate": frame["jockey_win_rate"].fillna(0),
        "trainer_win_rate": frame["trainer_win_rate"].fillna(0), "is_debut": frame["is_debut"],
        "debut_trainer_rate": frame["trainer_debut_win_rate"].fillna(0) * frame["is_debut"],
        "wet_form_gap": wet_gap, "draw_share": frame["post_position"] / frame["field_size"].clip(lower=1),
        "log_days_off": np.log1p(frame["days_since_last_run"].fillna(365).clip(upper=365)),
    }
    return np.column_stack([np.asarray(columns[c], dtype=float) for c in INPUTS])


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 25) -> np.ndarray:
    """Coefficients (intercept first) by Newton-Raphson on the penalised log-likelihood (intercept unpenalised)."""
    x = np.column_stack([np.ones(len(x)), x])
    beta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ beta)))
        gradient = x.T @ (y - p) - penalty * beta
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def predict_logistic(beta: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(beta[0] + x @ beta[1:])))


@register
class ValueModel(Strategy):
    name = "value_model"
    description = "Walk-forward logistic regression; bets when p × odds − 1 ≥ edge."
    params = {"edge": Param(0.1, "minimum expected value per unit", float, 0.0, 10.0),
              "train_days": Param(365, "training window before each monthly refit", int, 30),
              "min_train_rows": Param(5000, "skip a month when fewer labelled rows precede it", int, 100),
              "max_odds": Param(31.0, "longest decimal odds to back", float, 1.0),
              "l2": Param(1.0, "ridge penalty on standardised inputs", float, 0.0)}

    def select(self, context: Context) -> pd.DataFrame:
        d = context.decisions
        if d.empty:
            return d.assign(probability=pd.Series(dtype=float))
        month = d["race_date"].dt.to_period("M")
        past, past_won = context.training_rows(month.max().start_time)  # every month's training rows, once
        past_inputs, past_days = design(past), past["race_date"].to_numpy()
        inputs = design(d)
        probability = pd.Series(np.nan, index=d.index)
        for period in month.unique():
            first = period.start_time
            train = (past_days < first) & (past_days >= first - pd.Timedelta(days=self.train_days))
            if train.sum() < self.min_train_rows:
                continue
            x_train = past_inputs[train]
            mean, std = x_train.mean(axis=0), x_train.std(axis=0)
            std[std == 0] = 1.0
            beta = fit_logistic((x_train - mean) / std, past_won.to_numpy(dtype=float)[train], self.l2)
            rows = (month == period).to_numpy()
            probability[rows] = predict_logistic(beta, (inputs[rows] - mean) / std)
        probability = probability / probability.groupby(d["event_key"]).transform("sum")
        keep = (probability * d["odds"] - 1 >= self.edge) & (d["odds"] <= self.max_odds)
        return d[keep.fillna(False)].assign(probability=probability[keep.fillna(False)])
