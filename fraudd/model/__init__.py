"""The fraud model: training (:mod:`.train`, :mod:`.fit`, :mod:`.thresholds`), the handbook's
evaluation protocol (:mod:`.protocol`, :mod:`.evaluate`, :mod:`.report`), hand-over to SageMaker
/ Redshift ML (:mod:`.export`) and the CLI entry points (:mod:`.commands`). The registry is the
warehouse seam's ``models`` area (:mod:`fraudd.warehouse.models`); what it keeps of a model is
:mod:`.record`'s. Features live in :mod:`fraudd.features`; scoring in :mod:`fraudd.scoring`."""
