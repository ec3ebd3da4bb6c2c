"""Plausible Chinese names, drawn deterministically so the demo is the same on every machine."""

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋"
    "唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = (
    "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬"
    "鹏辉建文斌宇浩凯婷雪琳晨欣怡佳悦子涵梓萱思远博雅俊熙诗琪晓峰"
)


def chinese_names(count: int, seed: int = 2026) -> list[str]:
    rng = random.Random(seed)
    names, seen = [], set()
    while len(names) < count:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names
