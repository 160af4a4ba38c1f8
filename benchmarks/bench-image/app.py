"""The benchmark image's tiny application: import the stack, print versions."""

import numpy
import pandas
import scipy

print(numpy.__version__, scipy.__version__, pandas.__version__)
