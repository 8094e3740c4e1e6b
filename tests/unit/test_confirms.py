"""Which delivery tags count as confirmed: the bookkeeping of chairside.confirms, without a broker."""
from chairside.confirms import ConfirmingChannel


def tracker(pending):
    channel = ConfirmingChannel.__new__(ConfirmingChannel)  # no connection: only the bookkeeping
    channel.pending, channel.acked = set(pending), set()
    return channel


def test_a_multiple_ack_settles_every_tag_up_to_it():
    channel = tracker(range(1, 6))
    channel._acked(3, True)
    assert channel.acked == {1, 2, 3} and channel.pending == {4, 5}


def test_single_acks_and_nacks_settle_one_tag_each_and_nacks_never_count():
    channel = tracker(range(1, 6))
    channel._acked(5, False)
    channel._nacked(2, False)
    channel._nacked(4, True)  # 1, 3 and 4 refused
    assert channel.acked == {5} and channel.pending == set()


def test_tags_already_settled_are_not_confirmed_again():
    channel = tracker({7, 8})
    channel._nacked(7, False)
    channel._acked(7, False)
    channel._acked(8, True)
    assert channel.acked == {8}
