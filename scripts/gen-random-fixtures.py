# Generates the expected values asserted in test/random.test.ts from real JAX.
# Usage: pip install jax==0.10.2 jaxlib==0.10.2 && python gen_random_fixtures.py > random_jax.json
# Default config: jax_threefry_partitionable=True (JAX's default since 0.5.0), x64 off unless noted.
import json
import jax, jax.numpy as jnp, numpy as np
from jax import random

def py(x):
  a = np.asarray(x)
  if a.dtype == np.bool_: return a.tolist()
  if a.dtype.kind == 'f': return np.asarray(a, np.float64).tolist()
  return a.astype(np.int64).tolist()

out = {"jax_version": jax.__version__, "partitionable": bool(jax.config.jax_threefry_partitionable)}
K = random.PRNGKey
c = out["cases"] = {}
c["split(0)"] = py(random.split(K(0)))
c["split(42,4)"] = py(random.split(K(42), 4))
c["split(1,3)"] = py(random.split(K(1), 3))
c["split(7,(2,3))"] = py(random.split(K(7), (2, 3)))
c["fold_in(0,4)"] = py(random.fold_in(K(0), 4))
c["fold_in(42,0)"] = py(random.fold_in(K(42), 0))
c["fold_in(42,123456789)"] = py(random.fold_in(K(42), 123456789))
c["fold_in(3,4294967295)"] = py(random.fold_in(K(3), jnp.uint32(4294967295)))
c["bits(0)"] = py(random.bits(K(0)))
c["bits(10,(4,))"] = py(random.bits(K(10), (4,)))
c["bits(1701,(3,))"] = py(random.bits(K(1701), (3,)))
c["bits(3,(2,3))"] = py(random.bits(K(3), (2, 3)))
c["uniform(51,(4,))"] = py(random.uniform(K(51), (4,)))
c["uniform(0,(3,))"] = py(random.uniform(K(0), (3,)))
c["uniform(0,(2,3),10,15)"] = py(random.uniform(K(0), (2, 3), minval=10, maxval=15))
c["uniform(8,(5,),-2.5,0.75)"] = py(random.uniform(K(8), (5,), minval=-2.5, maxval=0.75))
c["uniform(4,(2,3),[[0],[1]],[5,6,7])"] = py(random.uniform(K(4), (2, 3), minval=jnp.array([[0.], [1.]]), maxval=jnp.array([5., 6., 7.])))
c["normal(0,(5,))"] = py(random.normal(K(0), (5,)))
c["normal(42,(2,3))"] = py(random.normal(K(42), (2, 3)))
c["bernoulli(0,0.3,(10,))"] = py(random.bernoulli(K(0), 0.3, (10,)))
c["bernoulli(1,[0.1,0.5,0.9],(2,3))"] = py(random.bernoulli(K(1), jnp.array([0.1, 0.5, 0.9]), (2, 3)))
c["gumbel(0,(5,))"] = py(random.gumbel(K(0), (5,)))
c["exponential(0,(5,))"] = py(random.exponential(K(0), (5,)))
c["truncated_normal(0,-1,2,(5,))"] = py(random.truncated_normal(K(0), -1., 2., (5,)))
c["truncated_normal(3,0.5,0.75,(4,))"] = py(random.truncated_normal(K(3), 0.5, 0.75, (4,)))
c["randint(0,(3,3),0,8)"] = py(random.randint(K(0), (3, 3), 0, 8))
c["randint(72,(),0,10)"] = py(random.randint(K(72), (), 0, 10))
c["randint(5,(6,),-2**31,2**31-1)"] = py(random.randint(K(5), (6,), -2**31, 2**31 - 1))
c["randint(9,(5,),-7,1000003)"] = py(random.randint(K(9), (5,), -7, 1000003))
c["randint(11,(4,),5,5)"] = py(random.randint(K(11), (4,), 5, 5))
c["randint(12,(2,3),[[0],[100]],[10,20,30])"] = py(random.randint(K(12), (2, 3), jnp.array([[0], [100]]), jnp.array([10, 20, 30])))
c["categorical(0,[0.1,1,-0.5,2],(8,))"] = py(random.categorical(K(0), jnp.array([0.1, 1.0, -0.5, 2.0]), shape=(8,)))
lg = jnp.array([[0.0, 1.0, 2.0], [2.0, 0.5, -1.0]])
c["categorical(1,lg2x3)"] = py(random.categorical(K(1), lg))
c["categorical(2,lg2x3,axis=0,(4,3))"] = py(random.categorical(K(2), lg, axis=0, shape=(4, 3)))
c["categorical(3,lg2x3,replace=False,(3,2))"] = py(random.categorical(K(3), lg, shape=(3, 2), replace=False))
c["permutation(0,10)"] = py(random.permutation(K(0), 10))
c["permutation(1,arange(12).reshape(3,4),axis=1)"] = py(random.permutation(K(1), jnp.arange(12).reshape(3, 4), axis=1))
c["permutation(1,arange(12).reshape(3,4),axis=1,independent)"] = py(random.permutation(K(1), jnp.arange(12).reshape(3, 4), axis=1, independent=True))
p2 = np.asarray(random.permutation(K(2), 2000))
c["permutation(2,2000)[:16]"] = py(p2[:16])
c["permutation(2,2000)[-16:]"] = py(p2[-16:])
c["choice(0,10,(4,))"] = py(random.choice(K(0), 10, (4,)))
c["choice(1,10,(4,),replace=False)"] = py(random.choice(K(1), 10, (4,), replace=False))
c["choice(2,4,(6,),p)"] = py(random.choice(K(2), 4, (6,), p=jnp.array([0.125, 0.25, 0.5, 0.125])))
c["choice(3,5,(3,),replace=False,p)"] = py(random.choice(K(3), 5, (3,), replace=False, p=jnp.array([0.1, 0.2, 0.3, 0.2, 0.2])))
c["choice(4,arange(6).reshape(2,3)*10,(2,),axis=1)"] = py(random.choice(K(4), jnp.arange(6).reshape(2, 3) * 10, (2,), axis=1))

x = out["x64"] = {}
with jax.enable_x64(True):
  for s in [0, 1, 42, 2**32 + 7, 2**40 + 5, -1, -3, -(2**40) - 5, 2**53 - 1, -(2**53)]:
    x[f"key({s})"] = py(random.PRNGKey(s))
  x["uniform(0,(4,),f64)"] = py(random.uniform(K(0), (4,), dtype=jnp.float64))
  x["normal(0,(4,),f64)"] = py(random.normal(K(0), (4,), dtype=jnp.float64))
  x["randint(2,(5,),0,2**32,uint32)"] = py(random.randint(K(2), (5,), 0, 2**32, dtype=jnp.uint32))

l = out["legacy"] = {}
with jax.threefry_partitionable(False):
  l["split(0,4)"] = py(random.split(K(0), 4))
  l["fold_in(0,4)"] = py(random.fold_in(K(0), 4))
  l["bits(1701,(3,))"] = py(random.bits(K(1701), (3,)))
  l["uniform(0,(3,))"] = py(random.uniform(K(0), (3,)))
  l["permutation(0,10)"] = py(random.permutation(K(0), 10))
print(json.dumps(out, indent=1))
